package dev.pybudget.engine;

import dev.pybudget.bindings.CacheDirectory;
import dev.pybudget.elf.Marker;
import dev.pybudget.elf.PythonBinary;
import dev.pybudget.recording.ProbeCost;
import dev.pybudget.recording.ProbeRates;
import dev.pybudget.recording.Recording;
import dev.pybudget.recording.Window;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * What a probe hit of each kind costs the traced thread on this machine ({@link ProbeRates}): the same loops
 * ({@code probe_calibration.py}: sys.audit, calls of an empty function, gc.collect(0), getppid, fresh imports of an
 * empty module from a finder that touches no file)
 * run untraced and traced, interleaved, 3 times; a kind's rate is (traced − untraced thread CPU time of its loop,
 * each the median of the runs) / its hits, which the trace counts exactly per loop (each runs in a window of its
 * name). Loop times are measured against a reference loop run just before each chunk of them (the script says why)
 * and turned back into ns at the reference's median time;
 * the hits of other kinds in a loop (the imports loop's audit events) are taken out at their own rates first.
 * gc, audit and imports are measured under the default probes; calls and syscalls under the call probe and the
 * kernel context, a second traced run. It takes about
 * 1-2 s, once per machine: the rates are kept in {@code ~/.cache/pybudget/probe-cost.properties} (or under
 * {@code $XDG_CACHE_HOME}), keyed by kernel release and CPU model, and this JVM remembers them.
 */
public final class ProbeCalibration {
    private ProbeCalibration() {}

    static final String SCRIPT = "probe_calibration.py";
    static final int REPETITIONS = 3;
    private static final String REFERENCE = "reference";
    private static final List<String> ORDER = List.of(ProbeCost.AUDIT, ProbeCost.CALLS, ProbeCost.GC, ProbeCost.SYSCALLS,
            ProbeCost.IMPORTS);
    private static boolean tried;

    /**
     * The rates for this machine: those this JVM knows, else the cached ones, else measured now with
     * {@code python} (or a CPython with markers at /usr/bin/python3) and cached. Empty when none can be measured
     * (no BPF rights, no CPython with markers): the reports then say the cost is not estimated.
     */
    public static synchronized Optional<ProbeRates> ensure(Optional<Path> python) {
        Optional<ProbeRates> rates = ProbeRates.known().or(ProbeCalibration::cached);
        if (rates.isEmpty() && !tried) {
            tried = true; // one attempt a JVM: a machine that cannot measure does not pay for it at every report
            List<Path> candidates = new ArrayList<>();
            python.ifPresent(candidates::add);
            candidates.add(Path.of("/usr/bin/python3"));
            for (Path candidate : candidates) {
                if (hasAuditMarker(candidate)) {
                    try {
                        rates = Optional.of(measure(candidate, REPETITIONS));
                        store(rates.get());
                    } catch (TraceException | IOException e) {
                        rates = Optional.empty();
                    } finally {
                        Tracer.awaitDetached(); // nothing of the calibration's traces left attached or held
                    }
                    break;
                }
            }
        }
        rates.ifPresent(ProbeRates::use);
        return rates;
    }

    /** "6.18.44 / AMD EPYC 7B13": what per-hit costs belong to. */
    public static String machine() {
        try {
            String kernel = Files.readString(Path.of("/proc/sys/kernel/osrelease")).trim();
            String cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .findFirst().map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("unknown CPU");
            return kernel + " / " + cpu;
        } catch (IOException e) {
            return "unknown machine";
        }
    }

    /**
     * A properties file, read at every report: a cold JVM (the command line's teardown) reads it in 6-10 ms, where
     * Jackson's streaming parser took 50-70 ms and an ObjectMapper 0.2-0.35 s (its default date format loads the
     * JDK's locale data). One line per rate, {@code MACHINE.nanosPerHit.KIND=NS}, and {@code MACHINE.how=...}.
     */
    static Path cacheFile() {
        return CacheDirectory.path().resolve("probe-cost.properties");
    }

    private static final String PER_HIT = ".nanosPerHit.";
    private static final String HOW = ".how";

    static Optional<ProbeRates> cached() {
        Properties cache = read(cacheFile());
        String machine = machine();
        Map<String, Double> perHit = new HashMap<>();
        try {
            for (String key : cache.stringPropertyNames()) {
                if (key.startsWith(machine + PER_HIT)) {
                    perHit.put(key.substring(machine.length() + PER_HIT.length()), Double.parseDouble(cache.getProperty(key)));
                }
            }
        } catch (NumberFormatException e) {
            return Optional.empty(); // measured again and rewritten
        }
        return perHit.isEmpty() ? Optional.empty() : Optional.of(new ProbeRates(machine, perHit, cache.getProperty(machine + HOW, "")));
    }

    /** The cache's entries; none when it is absent or unreadable (then measured again and rewritten). */
    private static Properties read(Path file) {
        Properties cache = new Properties();
        try (Reader in = Files.newBufferedReader(file)) {
            cache.load(in);
            return cache;
        } catch (IOException | RuntimeException e) {
            return new Properties();
        }
    }

    /** Adds this machine's rates to the cache file (written whole: a temporary file renamed into place). */
    static void store(ProbeRates rates) throws IOException {
        Path file = cacheFile();
        Files.createDirectories(file.getParent());
        Properties cache = read(file);
        cache.stringPropertyNames().stream().filter(k -> k.startsWith(rates.machine() + PER_HIT)).forEach(cache::remove);
        rates.nanosPerHit().forEach((kind, ns) -> cache.setProperty(rates.machine() + PER_HIT + kind, Double.toString(ns)));
        cache.setProperty(rates.machine() + HOW, rates.how());
        Path tmp = Files.createTempFile(file.getParent(), ".probe-cost", ".tmp");
        try {
            try (var out = Files.newBufferedWriter(tmp)) {
                cache.store(out, "pybudget: what a probe hit costs, per machine (kernel release / CPU model)");
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static boolean hasAuditMarker(Path python) {
        try {
            return Files.isRegularFile(python) && PythonBinary.inspect(python).probe(Marker.AUDIT.probe()).isPresent();
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /**
     * Measures the rates with {@code python} (a CPython with markers), {@code repetitions} untraced and traced runs
     * interleaved. A kind whose extra time comes out at zero or below (noise larger than the probe) is left out.
     *
     * @throws TraceException when it cannot trace
     */
    public static ProbeRates measure(Path python, int repetitions) throws IOException {
        Path dir = Files.createTempDirectory("pybudget-calibration");
        try {
            Path script = dir.resolve(SCRIPT);
            try (InputStream in = ProbeCalibration.class.getResourceAsStream(SCRIPT)) {
                Files.copy(in, script);
            }
            boolean callProbe = PythonBinary.inspect(python).probe(Tracer.CALL_PROBE).isPresent();
            // Two traced runs: the default probes (gc, imports, audit, as most traces have them), and the call probe
            // and the kernel context, which make every return and every syscall of the process pay (so an import
            // under them costs importlib's calls too).
            TraceOptions base = TraceOptions.defaults();
            TraceOptions more = TraceOptions.defaults().withKernelContext(true);
            if (callProbe) {
                more = more.withCallPattern("*/" + SCRIPT + ":f").withCallCounting(CallCounting.USDT);
            }
            // Per kind: its loop's time in reference chunks (see probe_calibration.py) untraced and traced, and the
            // hits a traced loop took (the same in every run: the counts are exact).
            Map<String, List<Double>> untracedTimes = new HashMap<>();
            Map<String, List<Double>> tracedTimes = new HashMap<>();
            Map<String, Map<String, Long>> hits = new HashMap<>();
            List<Double> referenceNanos = new ArrayList<>();
            for (int i = 0; i < repetitions; i++) {
                Map<String, Double> untraced = run(python, dir, script, Optional.empty());
                Recording[] withBase = new Recording[1];
                Recording[] withMore = new Recording[1];
                Map<String, Double> tracedBase = run(python, dir, script, Optional.of(base), withBase);
                Map<String, Double> tracedMore = run(python, dir, script, Optional.of(more), withMore);
                for (Map<String, Double> times : List.of(untraced, tracedBase, tracedMore)) {
                    referenceNanos.add(times.get(REFERENCE));
                }
                for (String kind : ORDER) {
                    boolean fromMore = kind.equals(ProbeCost.CALLS) || kind.equals(ProbeCost.SYSCALLS);
                    Recording recording = fromMore ? withMore[0] : withBase[0];
                    Map<String, Double> traced = fromMore ? tracedMore : tracedBase;
                    Optional<Window> w = recording.window(kind);
                    if (w.isEmpty() || !traced.containsKey(kind) || !untraced.containsKey(kind)) {
                        continue;
                    }
                    untracedTimes.computeIfAbsent(kind, k -> new ArrayList<>()).add(untraced.get(kind));
                    tracedTimes.computeIfAbsent(kind, k -> new ArrayList<>()).add(traced.get(kind));
                    hits.put(kind, ProbeCost.of(recording, w.get(), Optional.empty()).hits());
                }
            }
            double nanosPerReference = median(referenceNanos);
            Map<String, Double> rates = new LinkedHashMap<>();
            for (String kind : ORDER) {
                Map<String, Long> loopHits = hits.getOrDefault(kind, Map.of());
                long own = loopHits.getOrDefault(kind, 0L);
                if (own == 0) {
                    continue;
                }
                double extra = (median(tracedTimes.get(kind)) - median(untracedTimes.get(kind))) * nanosPerReference;
                for (Map.Entry<String, Long> other : loopHits.entrySet()) {
                    if (!other.getKey().equals(kind) && rates.containsKey(other.getKey())) {
                        extra -= rates.get(other.getKey()) * other.getValue(); // the imports loop's audit events
                    }
                }
                if (extra > 0) {
                    rates.put(kind, extra / own);
                }
            }
            String how = String.format(Locale.ROOT, "median of %d interleaved runs of %s untraced and traced (%s), %s",
                    repetitions, python, SCRIPT, Instant.now());
            return new ProbeRates(machine(), rates, how);
        } finally {
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.deleteIfExists(f);
                }
            }
            Files.deleteIfExists(dir);
        }
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        return sorted.get(sorted.size() / 2);
    }

    private static Map<String, Double> run(Path python, Path dir, Path script, Optional<TraceOptions> options) throws IOException {
        return run(python, dir, script, options, new Recording[1]);
    }

    /**
     * One run of the loops: each loop's thread CPU time in reference chunks, and {@link #REFERENCE}'s time in ns;
     * traced when options are given (recording[0] set).
     */
    private static Map<String, Double> run(Path python, Path dir, Path script, Optional<TraceOptions> options,
                                         Recording[] recording) throws IOException {
        Path out = dir.resolve("times.txt");
        Files.deleteIfExists(out);
        ProcessBuilder builder = new ProcessBuilder(python.toString(), script.toString(), out.toString())
                .directory(dir.toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        if (options.isPresent()) {
            try (Trace trace = Tracer.start(builder, options.get())) {
                recording[0] = trace.finish();
            }
        } else {
            try {
                int status = builder.start().waitFor();
                if (status != 0) {
                    throw new IOException(python + " " + SCRIPT + " exited with status " + status);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        }
        Map<String, Double> times = new HashMap<>();
        for (String line : Files.readAllLines(out)) {
            String[] parts = line.split(" ");
            times.put(parts[0], Double.parseDouble(parts[1]));
        }
        return times;
    }
}

package dev.pybudget.engine;

import dev.pybudget.bindings.JnaStart;
import dev.pybudget.elf.ElfException;
import dev.pybudget.elf.Marker;
import dev.pybudget.elf.MissingProbeException;
import dev.pybudget.elf.PythonBinary;
import dev.pybudget.elf.RootedPath;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Starts a CPython workload with the probes attached before its first bytecode runs.
 *
 * <p>The workload is started gated, as {@code /bin/sh -c 'read _ && exec "$0" "$@"' python ...}: the
 * shell waits for one line on stdin, we attach to its pid (uprobes follow the process through exec)
 * and then write the line. If this JVM dies first, the shell reads end-of-file and the workload
 * never runs untraced.
 */
public final class Tracer {
    private Tracer() {}

    static {
        JnaStart.prepare(); // before any JNA class: no ldconfig run, no unpacking on every start
    }

    static final List<String> BASE_PROBES = List.of(Marker.AUDIT.probe(), Marker.GC_START.probe(), Marker.GC_DONE.probe(),
            Marker.IMPORT_START.probe(), Marker.IMPORT_DONE.probe());
    static final String CALL_PROBE = Marker.FUNCTION_RETURN.probe();

    /**
     * System property: {@code false} turns off loading the BPF objects of a next trace when a trace ends
     * (default {@code true}; the CLI and the container agent, which trace once, turn it off).
     */
    public static final String LOAD_AHEAD_PROPERTY = LoadedAhead.PROPERTY;

    /**
     * System property: {@code true} starts the workload in a session of its own ({@code setsid}), so that
     * a terminal's Ctrl-C (SIGINT to the foreground process group) reaches this JVM alone, which then
     * stops the workload itself and still reports; default {@code false}: the workload shares this
     * JVM's process group. The command line sets it.
     */
    public static final String OWN_SESSION_PROPERTY = "pybudget.workloadOwnSession";

    /**
     * @param workload the command ({@code python script args...}), its directory, environment and
     *                 output redirects; its stdin is taken for the gate
     * @throws TraceException with one sentence when it cannot trace; nothing is then left running or attached
     */
    public static Trace start(ProcessBuilder workload, TraceOptions options) {
        List<String> command = workload.command();
        if (command.isEmpty()) {
            throw new TraceException("No command to trace: give the Python executable and a script, e.g. python3 app.py.");
        }
        Path directory = workload.directory() == null ? Path.of("").toAbsolutePath() : workload.directory().toPath();
        UprobeMulti.probeAhead(); // a JVM's first trace: asking the kernel overlaps the ELF preflight
        PythonBinary python = inspect(resolve(command.get(0), workload.environment().get("PATH")));
        checkScript(command, directory);

        Plan plan = plan(python, options, fileSystemRoot(python.probeBinary()));
        // The kernel's wait at a first uprobe registration passes while the programs load, not after (see warmUp).
        try (UprobeMulti.Warm warm = UprobeMulti.warmUp(python.probeBinaryFile().toString())) {
            return start(workload, command, directory, python, plan, options);
        }
    }

    private static Trace start(ProcessBuilder workload, List<String> command, Path directory, PythonBinary python, Plan plan,
            TraceOptions options) {
        BpfObjects bpf = LoadedAhead.take(plan.key(), plan.load());
        Process process = null;
        EventStream stream = null;
        InProcessCalls calls = null;
        try {
            if (plan.inProcess()) {
                calls = InProcessCalls.prepare(CallPattern.parse(options.callPattern().orElseThrow()));
            }
            List<String> gated = new ArrayList<>();
            if (Boolean.getBoolean(OWN_SESSION_PROPERTY)) {
                // A child of this JVM leads no process group, so setsid(1) execs without forking: the pid stays
                // the one the probes attach to.
                gated.add("/usr/bin/setsid");
            }
            gated.addAll(List.of("/bin/sh", "-c", "read _ && exec \"$0\" \"$@\"", python.executable().toString()));
            gated.addAll(command.subList(1, command.size()));
            ProcessBuilder builder = new ProcessBuilder(gated).directory(directory.toFile())
                    .redirectInput(ProcessBuilder.Redirect.PIPE)
                    .redirectOutput(workload.redirectOutput()).redirectError(workload.redirectError());
            builder.environment().clear();
            builder.environment().putAll(workload.environment());
            if (calls != null) {
                calls.addTo(builder.environment());
            }
            process = builder.start();
            int pid = (int) process.pid();
            stream = new EventStream(bpf.lib(), bpf.mapFd("events"), options.ringBufferBytes(), "pybudget-events-" + pid);
            attachProbes(bpf, pid, python, plan);
            long origin = System.nanoTime();
            release(process);
            return new Trace(python, List.copyOf(plan.recorded()), plan.missing(), plan.missingReason(), bpf, stream, process,
                    origin, options, () -> LoadedAhead.prepare(plan.key(), plan.load()), Optional.ofNullable(calls));
        } catch (RuntimeException | IOException e) {
            if (process != null) {
                process.destroyForcibly();
            }
            throw failed("started", e, calls, stream, bpf);
        }
    }

    /** Frees what a start or an attach made before it failed; the failure as the one sentence the caller throws. */
    private static TraceException failed(String what, Exception e, InProcessCalls calls, EventStream stream, BpfObjects bpf) {
        if (calls != null) {
            calls.close();
        }
        if (stream != null) {
            stream.close();
        }
        bpf.close();
        return e instanceof TraceException t ? t
                : new TraceException("The workload could not be " + what + ": " + e.getMessage() + ".", e);
    }

    /** What a trace attaches (markers, internal functions standing in for missing ones), lacks, records and counts in process. */
    private record Plan(Set<String> present, List<String> missing, Optional<String> missingReason,
                        List<SymbolProbes.Served> served, List<String> recorded, LoadedAhead.Key key, Supplier<BpfObjects> load,
                        boolean inProcess) {}

    /**
     * @param root the file system the CPython is in, as seen from here ("/", or a container's /proc/PID/root)
     * @throws TraceException when strict and a probe is missing
     */
    private static Plan plan(PythonBinary python, TraceOptions options, Path root) {
        Optional<CallCounting> counting = options.callPattern().map(p -> counting(python, options.callCounting()));
        Set<String> wanted = new LinkedHashSet<>(BASE_PROBES);
        if (counting.equals(Optional.of(CallCounting.USDT))) {
            wanted.add(CALL_PROBE);
        }
        boolean inProcess = counting.equals(Optional.of(CallCounting.MONITORING));
        Set<String> present = new LinkedHashSet<>();
        List<String> missing = new ArrayList<>();
        for (String probe : wanted) {
            (python.probe(probe).isPresent() ? present : missing).add(probe);
        }
        // A family whose markers this build lacks: CPython's internal functions may stand in for them.
        List<SymbolProbes.Family> lacking = new ArrayList<>();
        for (SymbolProbes.Family family : SymbolProbes.Family.values()) {
            if (family.markers.stream().anyMatch(missing::contains)) {
                lacking.add(family);
            }
        }
        Map<SymbolProbes.Family, String> notServed = new EnumMap<>(SymbolProbes.Family.class);
        List<SymbolProbes.Served> served = new ArrayList<>(lacking.isEmpty() ? List.of()
                : SymbolProbes.plan(python, lacking, root, notServed));
        for (SymbolProbes.Served s : served) {
            present.removeAll(s.family().markers);
            missing.removeAll(s.family().markers);
        }
        Optional<String> missingReason = missing.isEmpty() ? Optional.empty()
                : Optional.of(missingSentence(python, missing, notServed));
        // Strict (the default) fails on any missing probe of a build with markers; a build served by its
        // symbols is traced for what they allow, unless calls were asked for and cannot be counted.
        boolean strict = options.requireProbes() && (served.isEmpty() || missing.contains(CALL_PROBE));
        // A CPython without any marker (pyenv's) can still have its calls counted in process: then it is traced
        // for those (and whatever its symbols serve), the other families reported missing, not refused.
        boolean callsOnly = inProcess && !python.hasMarkers();
        if (!missing.isEmpty() && !callsOnly && (strict || present.isEmpty() && served.isEmpty())) {
            if (notServed.isEmpty()) {
                try {
                    python.require(missing);
                } catch (MissingProbeException e) {
                    throw new TraceException(e.getMessage(), e);
                }
            }
            throw new TraceException(missingReason.get());
        }
        // An optional family served by symbols only (the GIL's): it makes no trace lenient about the markers above.
        for (ProbeFamily<?> family : ProbeFamily.all()) {
            if (family.recorded(options)) {
                family.symbolSites(python, root).ifPresent(served::add);
            }
        }
        // Lenient: the same sentence goes into the recording, for whoever reads a count that is not there.
        List<String> recorded = new ArrayList<>(present);
        served.forEach(s -> recorded.add(s.label()));

        List<Concern> concerns = new ArrayList<>();
        for (Concern concern : Concern.values()) {
            if (!concern.programs.isEmpty() && concern.programs.values().stream().allMatch(present::contains)) {
                concerns.add(concern);
            }
        }
        served.forEach(s -> concerns.add(s.family().concern));
        for (ProbeFamily<?> family : ProbeFamily.all()) {
            if (family.recorded(options) && !concerns.contains(family.concern())) { // the GIL's came with its symbols
                concerns.add(family.concern()); // no probe of CPython's: tracepoints, perf events
            }
        }
        if (concerns.isEmpty()) {
            concerns.add(Concern.AUDIT); // attached nowhere: its object creates the maps a trace reads
        }
        Map<Concern, byte[]> settings = settings(python, options, counting);
        LoadedAhead.Key key = LoadedAhead.Key.of(concerns, settings, options);
        Supplier<BpfObjects> load = () -> BpfObjects.load(concerns, settings, options);
        return new Plan(present, missing, missingReason, served, recorded, key, load, inProcess);
    }

    /** Every probe of the plan on {@code pid}, through the file this process reaches the probes' binary at. */
    private static void attachProbes(BpfObjects bpf, int pid, PythonBinary python, Plan plan) {
        String binary = python.probeBinaryFile().toString();
        bpf.attach(pid, binary, plan.present(), python.probes());
        for (SymbolProbes.Served s : plan.served()) {
            bpf.attachUprobes(pid, binary, s.sites());
        }
        for (ProbeFamily<?> family : ProbeFamily.all()) {
            if (bpf.has(family.concern())) {
                family.attach(bpf, pid);
            }
        }
    }

    /**
     * Where a container workload's in-process call counter lives, in its own file system: the agent makes it
     * (through /proc/PID/root) before it releases the workload; {@link #inProcessCallsEnvironment} names it.
     */
    public static final Path IN_PROCESS_CALLS_DIR = Path.of("/tmp/.pybudget-calls");

    /**
     * The environment a container workload needs for calls counted in process ({@code calls:monitoring}): set on its
     * container by the harness, used only if the agent decides to count in process (else the directory does not
     * exist and Python skips it).
     *
     * @param pythonPath the image's own PYTHONPATH, or null
     */
    public static Map<String, String> inProcessCallsEnvironment(String callPattern, String pythonPath) {
        Map<String, String> environment = new java.util.LinkedHashMap<>();
        if (pythonPath != null) {
            environment.put("PYTHONPATH", pythonPath);
        }
        InProcessCalls.environment(environment, IN_PROCESS_CALLS_DIR, CallPattern.parse(callPattern).text());
        return environment;
    }

    /**
     * Attaches to a process this JVM did not start, e.g. one in a container whose pid namespace the agent shares.
     *
     * @param pid        the process, as this JVM's pid namespace numbers it
     * @param root       where the process's file system is seen from here ({@code /proc/PID/root}), or null for this host's
     * @param executable the CPython executable as the process sees it (symlinks are resolved inside {@code root})
     * @param release    run once the probes are attached, to let a gated process exec the CPython (the trace is then
     *                   exact from its first bytecode); null for a process that already runs Python (the recording
     *                   then says how long after its start it was attached)
     * @throws TraceException with one sentence when it cannot trace; nothing is then left attached
     */
    public static Trace attach(long pid, Path root, Path executable, Runnable release, TraceOptions options) {
        ProcessHandle process = ProcessHandle.of(pid).orElseThrow(() -> new TraceException(
                "The workload (pid " + pid + ") ended before its probes were attached."));
        UprobeMulti.probeAhead();
        PythonBinary python;
        try {
            python = PythonBinary.inspect(root, executable);
        } catch (ElfException e) {
            throw new TraceException(e.getMessage(), e);
        } catch (IOException e) {
            throw new TraceException(executable + " could not be read in the workload's file system: " + e.getMessage() + ".", e);
        }
        Path fileSystem = root == null ? Path.of("/") : root;
        Plan plan = plan(python, options, fileSystem);
        if (plan.inProcess() && release == null) {
            throw new TraceException("Calls cannot be counted in process in a CPython that already runs: its counter loads at"
                    + " start; count them with the probe (--calls-by usdt) on a CPython that has it.");
        }
        BpfObjects bpf = plan.load().get();
        EventStream stream = null;
        InProcessCalls calls = null;
        try {
            if (plan.inProcess()) {
                calls = InProcessCalls.prepareIn(CallPattern.parse(options.callPattern().orElseThrow()),
                        RootedPath.onHost(fileSystem, IN_PROCESS_CALLS_DIR), true);
            }
            stream = new EventStream(bpf.lib(), bpf.mapFd("events"), options.ringBufferBytes(), "pybudget-events-" + pid);
            attachProbes(bpf, (int) pid, python, plan);
            long origin = System.nanoTime();
            java.util.OptionalLong after = java.util.OptionalLong.empty();
            if (release != null) {
                release.run();
            } else {
                after = process.info().startInstant()
                        .map(start -> java.util.OptionalLong.of(Math.max(0, java.time.Duration.between(start,
                                java.time.Instant.now()).toNanos())))
                        .orElse(java.util.OptionalLong.of(0));
            }
            return new Trace(python, List.copyOf(plan.recorded()), plan.missing(), plan.missingReason(), bpf, stream,
                    process, null, after, origin, options, () -> { }, Optional.ofNullable(calls));
        } catch (RuntimeException e) {
            throw failed("released", e, calls, stream, bpf);
        }
    }

    /**
     * Waits until the probes of every ended trace are detached, and frees the BPF objects loaded ahead
     * for a next trace. A trace whose workload has exited returns from {@link Trace#finish()} before the
     * kernel has unregistered its uprobes (tens of milliseconds with multi-uprobe links, about 0.1 s per probe
     * one after the other without them); that finishes on a background thread. And when a trace ends, the programs and maps of a next one are loaded on
     * another (most of a start is the kernel loading them); they attach nowhere until a trace takes them.
     * Nothing needs to wait for either: call this only to measure, or before counting what the machine
     * holds of pybudget's.
     */
    public static void awaitDetached() {
        BpfObjects.awaitDetached();
        UprobeMulti.awaitWarmingDone();
        LoadedAhead.release();
    }

    /**
     * Whether traces started now attach each program to all its sites with one multi-uprobe link (Linux 6.10+, unless
     * {@code -Dpybudget.noMultiUprobe=true}) rather than one uprobe per site: detaching then waits for the kernel once,
     * not about 0.1 s per probe. One difference shows: a process the workload forks keeps the breakpoints and
     * raised semaphores it copied from its parent until the trace ends (per-site uprobes remove themselves from it at
     * their first hit there); neither way counts anything of it.
     */
    public static boolean multiUprobeLinks() {
        return UprobeMulti.unsupportedReason().isEmpty();
    }

    private static void release(Process process) throws IOException {
        try (OutputStream gate = process.getOutputStream()) {
            gate.write('\n');
        }
    }

    /** An inspection and the identity (inode, size, mtime) of the files it read. */
    private record Inspected(PythonBinary binary, String executableId, String probeBinaryId) {}

    /** By real path: a test suite traces the same CPython again and again, and reading its ELF takes ~30 ms. */
    private static final Map<Path, Inspected> INSPECTED = new ConcurrentHashMap<>();

    /** The ELF preflight, reused while neither the executable nor the file with the markers has changed. */
    private static PythonBinary inspect(Path executable) {
        try {
            Path real = executable.toRealPath();
            Inspected known = INSPECTED.get(real);
            if (known != null && known.executableId().equals(fileId(real))
                    && known.probeBinaryId().equals(fileId(known.binary().probeBinary()))) {
                return known.binary();
            }
            PythonBinary binary = PythonBinary.inspect(executable);
            INSPECTED.put(real, new Inspected(binary, fileId(real), fileId(binary.probeBinary())));
            return binary;
        } catch (ElfException e) {
            throw new TraceException(e.getMessage(), e);
        } catch (IOException e) {
            throw new TraceException(executable + " could not be read: " + e.getMessage() + ".", e);
        }
    }

    private static String fileId(Path file) throws IOException {
        BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
        return a.fileKey() + "/" + a.size() + "/" + a.lastModifiedTime().to(java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    /** The executable as the shell would find it: a path as given, a bare name on PATH. */
    static Path resolve(String name, String path) {
        if (name.contains("/")) {
            Path file = Path.of(name);
            if (!Files.isRegularFile(file)) {
                throw new TraceException("No such file: " + name + " (the Python executable to trace).");
            }
            return file.toAbsolutePath();
        }
        for (String dir : Optional.ofNullable(path).orElse("/usr/local/bin:/usr/bin:/bin").split(File.pathSeparator)) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return candidate.toAbsolutePath();
            }
        }
        throw new TraceException("No such file: " + name + " is not on PATH (the Python executable to trace).");
    }

    /** python SCRIPT: a script that does not exist is bad input, said before anything starts. */
    private static void checkScript(List<String> command, Path directory) {
        if (command.size() < 2 || command.get(1).startsWith("-")) {
            return; // python -c ..., python -m ...: Python checks its own options
        }
        Path script = directory.resolve(command.get(1));
        if (!Files.exists(script)) {
            throw new TraceException("No such file: " + command.get(1) + " (the script to trace, looked up in " + directory + ").");
        }
    }

    /**
     * How calls are counted for this CPython: as asked, or (AUTO) in process on 3.12 and later, where
     * sys.monitoring lets every function the pattern does not name run at full speed (3.15 has the
     * probe too, which makes every call pay). On 3.11 every call pays either way, and although
     * sys.settrace in process costs less than the probe for a function the pattern does not name
     * (docs/performance.md), it cannot see threads started from C or with _thread, where the probe
     * is exact: the probe it is, unless asked.
     */
    static CallCounting counting(PythonBinary python, CallCounting asked) {
        Optional<PythonBinary.MajorMinor> version = python.versionMajorMinor();
        if (asked == CallCounting.MONITORING && version.isPresent() && !version.get().isAtLeast(3, 11)) {
            throw new TraceException("Counting calls in process needs CPython 3.11 or later, and " + python.executable()
                    + " is CPython " + python.version() + ": count them with the USDT probe (--calls-by usdt).");
        }
        if (asked != CallCounting.AUTO) {
            return asked;
        }
        boolean probe = python.probe(CALL_PROBE).isPresent();
        if (version.isEmpty()) {
            return probe ? CallCounting.USDT : CallCounting.MONITORING;
        }
        return version.get().isAtLeast(3, 12) ? CallCounting.MONITORING : CallCounting.USDT;
    }


    /** Where /usr/lib/debug is for this binary: "/", or a container's root when the path goes through /proc/PID/root. */
    static Path fileSystemRoot(Path binary) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("^(/proc/\\d+/root)/").matcher(binary.toString());
        return Path.of(m.find() ? m.group(1) : "/");
    }

    /**
     * The one sentence for probes this build lacks: the preflight's, and for a family that no internal
     * function could stand in for either, why not and what would fix it.
     */
    static String missingSentence(PythonBinary python, List<String> missing, Map<SymbolProbes.Family, String> notServed) {
        String markers = python.explainMissing(missing).orElseThrow();
        if (notServed.isEmpty()) {
            return markers;
        }
        List<String> families = notServed.keySet().stream().map(f -> f.label).toList();
        String minor = python.versionMajorMinor().map(Object::toString).orElse("X.Y");
        return markers.substring(0, markers.length() - 1) + "; and no internal function stands in for "
                + String.join(" and ", families) + ": " + String.join("; ", new LinkedHashSet<>(notServed.values()))
                + " (install python" + minor + "-dbg for a Debian build, keep the symbol table of a source build,"
                + " or use a CPython with the markers).";
    }

    private static Map<Concern, byte[]> settings(PythonBinary python, TraceOptions options,
                                                 Optional<CallCounting> counting) {
        Map<Concern, byte[]> settings = new EnumMap<>(Concern.class);
        byte[] audit = new byte[Layout.AUDIT_SETTINGS_SIZE];
        Layout.putU32(audit, Layout.AUDIT_SETTINGS_STREAM_EVENTS, options.streamAudit() ? 1 : 0);
        // CPython's layout where the kernel reads window names (struct pystr_layout); 0 = unknown, no name is
        // read. A compact str keeps its characters after PyASCIIObject when it is ASCII, after
        // PyCompactUnicodeObject otherwise (where any other str keeps a pointer to them); both lost their
        // wstr fields in 3.12. PyObject's header, PyASCIIObject's length and state, PyTupleObject's size and
        // items (until 3.14), and tp_flags in PyTypeObject have not moved since 3.8 on 64-bit default builds.
        boolean before312 = python.versionMajorMinor().map(v -> !v.isAtLeast(3, 12)).orElse(false);
        if (python.versionMajorMinor().isPresent()) {
            Layout.putU32(audit, Layout.AUDIT_SETTINGS_ASCII_DATA, before312 ? 48 : 40);
            Layout.putU32(audit, Layout.AUDIT_SETTINGS_COMPACT_DATA, before312 ? 72 : 56);
            Layout.putU32(audit, Layout.AUDIT_SETTINGS_TYPE_FLAGS, 168);
            Layout.putU32(audit, Layout.AUDIT_SETTINGS_OB_TYPE, 8);
            Layout.putU32(audit, Layout.AUDIT_SETTINGS_UNICODE_LENGTH, 16);
            Layout.putU32(audit, Layout.AUDIT_SETTINGS_UNICODE_STATE, 32);
            Layout.putU32(audit, Layout.AUDIT_SETTINGS_TUPLE_SIZE, 16);
            // ...except a tuple's items, which follow its cached hash since 3.14.
            boolean since314 = python.versionMajorMinor().map(v -> v.isAtLeast(3, 14)).orElse(false);
            Layout.putU32(audit, Layout.AUDIT_SETTINGS_TUPLE_ITEMS, since314 ? 32 : 24);
        }
        settings.put(Concern.AUDIT, audit);
        settings.put(Concern.AUDIT_SYMBOL, audit);
        for (ProbeFamily<?> family : ProbeFamily.all()) {
            if (family.recorded(options)) {
                settings.put(family.concern(), family.settings(options));
            }
        }
        options.callPattern().filter(text -> counting.equals(Optional.of(CallCounting.USDT))).ifPresent(text -> {
            CallPattern pattern = CallPattern.parse(text);
            byte[] calls = new byte[Layout.CALLS_SETTINGS_SIZE];
            byte[] file = pattern.fileGlob().getBytes(StandardCharsets.UTF_8);
            byte[] function = pattern.functionGlob().getBytes(StandardCharsets.UTF_8);
            System.arraycopy(file, 0, calls, 0, file.length);
            System.arraycopy(function, 0, calls, Layout.PATTERN_LEN, function.length);
            settings.put(Concern.CALLS, calls);
        });
        return settings;
    }
}

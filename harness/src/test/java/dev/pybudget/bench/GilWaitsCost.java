package dev.pybudget.bench;

import dev.pybudget.elf.FunctionSymbols;
import dev.pybudget.engine.Trace;
import dev.pybudget.engine.TraceOptions;
import dev.pybudget.engine.Tracer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * What recording GIL waits costs, repetitions interleaved: per acquisition of the GIL (python-fixtures/workloads/bench/gil_loops.py:
 * an os.stat gives it up and takes it back, so it pays take_gil's uprobe and uretprobe),
 * traced without and with GIL waits, and bpftrace timing take_gil the same way (uprobe and uretprobe, a hash map by
 * thread, a histogram) on an untraced run; and the HTTP service fixture's slowdown with GIL waits on. Not a test: run
 * by hand with {@code java -cp harness/target/classes:harness/target/test-classes:DEPS dev.pybudget.bench.GilWaitsCost [REPS]}
 * from the repository's root.
 */
public final class GilWaitsCost {
    private static final String PYTHON = "/usr/bin/python3.11";
    private static final Path SCRIPT = Path.of("python-fixtures/workloads/bench/gil_loops.py").toAbsolutePath();
    private static final int N = 100_000;

    public static void main(String[] args) throws Exception {
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        System.setProperty(Tracer.LOAD_AHEAD_PROPERTY, "false");
        perAcquisition(reps);
        http(Math.max(3, reps));
    }

    private static void perAcquisition(int reps) throws Exception {
        List<Double> off = new ArrayList<>();
        List<Double> base = new ArrayList<>();
        List<Double> on = new ArrayList<>();
        List<Double> bpftrace = new ArrayList<>();
        for (int i = 0; i < reps; i++) {
            off.add(run(new ProcessBuilder(PYTHON, SCRIPT.toString(), "" + N)));
            base.add(traced(false));
            on.add(traced(true));
            bpftrace.add(underBpftrace());
        }
        System.out.printf(Locale.ROOT, "%-44s untraced %6.0f ns | traced %6.0f ns | with GIL waits %6.0f ns (+%.0f ns)"
                        + " | bpftrace on take_gil %6.0f ns (+%.0f ns)%n", "GIL acquisition (os.stat(\"/\"))", median(off),
                median(base), median(on), median(on) - median(base), median(bpftrace), median(bpftrace) - median(off));
    }

    private static double traced(boolean gil) throws Exception {
        Path out = Files.createTempFile("gil-loops", ".txt");
        try {
            try (Trace t = Tracer.start(new ProcessBuilder(PYTHON, SCRIPT.toString(), "" + N).redirectOutput(out.toFile()),
                    TraceOptions.defaults().withGilWaits(gil))) {
                t.finish();
            }
            return Double.parseDouble(Files.readString(out).trim());
        } finally {
            Files.delete(out);
        }
    }

    /** The same loop under bpftrace -c, which starts it once its probes are attached. */
    private static double underBpftrace() throws Exception {
        long offset = FunctionSymbols.of(Path.of(PYTHON), Path.of("/")).orElseThrow().offsets().get("take_gil.lto_priv.0");
        String at = PYTHON + ":0x" + Long.toHexString(offset);
        String program = "uprobe:" + at + " /pid == cpid/ { @s[tid] = nsecs; }\n"
                + "uretprobe:" + at + " /pid == cpid && @s[tid]/ { @h = hist(nsecs - @s[tid]); delete(@s[tid]); }\n";
        Path out = Files.createTempFile("gil-bpftrace", ".txt");
        try {
            Process p = new ProcessBuilder("bpftrace", "--unsafe", "-e", program, "-c", PYTHON + " " + SCRIPT + " " + N)
                    .redirectErrorStream(true).redirectOutput(out.toFile()).start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroy();
                throw new IllegalStateException("bpftrace did not end: " + Files.readString(out));
            }
            String text = Files.readString(out);
            return text.lines().filter(l -> l.matches("\\d+(\\.\\d+)?")).mapToDouble(Double::parseDouble)
                    .findFirst().orElseThrow(() -> new IllegalStateException("no time in bpftrace's output: " + text));
        } finally {
            Files.delete(out);
        }
    }

    /** The HTTP service fixture, 1,000 requests after 20 of warm-up, traced without and with GIL waits. */
    private static void http(int reps) throws Exception {
        HttpServiceCost.print(reps, TraceOptions.defaults(), TraceOptions.defaults().withGilWaits(true), "GIL waits");
    }

    private static double run(ProcessBuilder pb) throws IOException, InterruptedException {
        Process p = pb.redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        p.waitFor();
        return Double.parseDouble(out);
    }

    private static double median(List<Double> values) {
        return Stats.of(values).median();
    }
}

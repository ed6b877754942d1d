package dev.pybudget.bench;

import dev.pybudget.engine.Trace;
import dev.pybudget.engine.TraceOptions;
import dev.pybudget.engine.Tracer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * What recording the kernel context costs (python-fixtures/bench/kernel_loops.py), repetitions
 * interleaved: per syscall of the workload, per round trip of two of its threads (two context
 * switches), and per syscall of another process while a trace with the kernel context runs (the
 * tracepoints fire machine-wide; the filter is what others pay). Not a test: run by hand with
 * {@code java -cp harness/target/classes:harness/target/test-classes:DEPS dev.pybudget.bench.KernelContextCost [REPS]}.
 */
public final class KernelContextCost {
    private static final String PYTHON = "/usr/bin/python3.11";
    private static final Path SCRIPT = Path.of("python-fixtures/bench/kernel_loops.py").toAbsolutePath();

    public static void main(String[] args) throws Exception {
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 7;
        System.setProperty(Tracer.LOAD_AHEAD_PROPERTY, "false");
        row("workload syscall (getppid)", reps, "syscalls", 200_000);
        row("workload round trip (2 switches, 4 syscalls)", reps, "switches", 20_000);
        otherProcess(reps);
    }

    private static void row(String name, int reps, String kind, int n) throws Exception {
        List<Double> off = new ArrayList<>();
        List<Double> base = new ArrayList<>();
        List<Double> on = new ArrayList<>();
        for (int i = 0; i < reps; i++) {
            off.add(untraced(kind, n));
            base.add(traced(kind, n, false));
            on.add(traced(kind, n, true));
        }
        System.out.printf(Locale.ROOT, "%-48s untraced %8.0f ns | traced %8.0f ns | with kernel context %8.0f ns | +%.0f ns%n",
                name, median(off), median(base), median(on), median(on) - median(base));
    }

    /** getppid in an untraced process, while a traced one sleeps, with and without the kernel context. */
    private static void otherProcess(int reps) throws Exception {
        List<Double> without = new ArrayList<>();
        List<Double> with = new ArrayList<>();
        for (int i = 0; i < reps; i++) {
            for (boolean kernel : new boolean[] {false, true}) {
                try (Trace idle = Tracer.start(new ProcessBuilder(PYTHON, SCRIPT.toString(), "idle", "30"),
                        TraceOptions.defaults().withKernelContext(kernel))) {
                    (kernel ? with : without).add(untraced("syscalls", 200_000));
                }
            }
        }
        System.out.printf(Locale.ROOT, "%-48s while traced %8.0f ns | with kernel context %8.0f ns | +%.0f ns%n",
                "another process's syscall (getppid)", median(without), median(with), median(with) - median(without));
    }

    private static double untraced(String kind, int n) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(PYTHON, SCRIPT.toString(), kind, "" + n).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        p.waitFor();
        return Double.parseDouble(out);
    }

    private static double traced(String kind, int n, boolean kernel) throws IOException {
        Path out = java.nio.file.Files.createTempFile("kernel-loops", ".txt");
        try (Trace t = Tracer.start(new ProcessBuilder(PYTHON, SCRIPT.toString(), kind, "" + n).redirectOutput(out.toFile()),
                TraceOptions.defaults().withKernelContext(kernel))) {
            t.finish();
        }
        double v = Double.parseDouble(java.nio.file.Files.readString(out).trim());
        java.nio.file.Files.delete(out);
        return v;
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }
}

package dev.pybudget.bench;

import dev.pybudget.engine.Trace;
import dev.pybudget.engine.TraceOptions;
import dev.pybudget.engine.Tracer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What recording the kernel context costs (python-fixtures/workloads/bench/kernel_loops.py), repetitions
 * interleaved: per syscall of the workload, per round trip of two of its threads (two context
 * switches), and per syscall of another process while a trace with the kernel context runs (the
 * tracepoints fire machine-wide; the filter is what others pay). Not a test: run by hand with
 * {@code java -cp harness/target/classes:harness/target/test-classes:DEPS dev.pybudget.bench.KernelContextCost [REPS]}.
 */
public final class KernelContextCost {
    private static final String PYTHON = "/usr/bin/python3.11";
    private static final Path SCRIPT = Path.of("python-fixtures/workloads/bench/kernel_loops.py").toAbsolutePath();

    public static void main(String[] args) throws Exception {
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 7;
        System.setProperty(Tracer.LOAD_AHEAD_PROPERTY, "false");
        row("workload syscall (getppid)", reps, "syscalls", 200_000);
        row("workload round trip (2 switches, 4 syscalls)", reps, "switches", 20_000);
        otherProcess(reps);
        http(Math.max(3, reps));
        perHit("syscalls", 200_000);
        perHit("switches", 20_000);
    }

    private interface Sys extends com.sun.jna.Library {
        Sys INSTANCE = com.sun.jna.Native.load("c", Sys.class);

        long syscall(long number, long cmd, byte[] attr, long size);

        long syscall(long number, long cmd, com.sun.jna.Pointer attr, long size);

        int close(int fd);
    }

    /**
     * The kernel's own account of each program (BPF_ENABLE_STATS: run_cnt and run_time_ns in the
     * fdinfo of its fd while the stats fd is open): every hit, the workload's and every other
     * process's on the machine for the tracepoints.
     */
    private static void perHit(String kind, int n) throws Exception {
        Tracer.awaitDetached(); // earlier traces' programs, still attached until detached, would show too
        int stats = (int) Sys.INSTANCE.syscall(321 /* bpf */, 32 /* BPF_ENABLE_STATS */, new byte[8], 8);
        if (stats < 0) {
            System.out.println("BPF_ENABLE_STATS failed: no per-hit numbers");
            return;
        }
        try {
            Path out = java.nio.file.Files.createTempFile("kernel-loops", ".txt");
            try (Trace t = Tracer.start(new ProcessBuilder(PYTHON, SCRIPT.toString(), kind, "" + n).redirectOutput(out.toFile()),
                    TraceOptions.defaults().withKernelContext(true))) {
                Thread.sleep(0); // the workload runs; its programs are read just before the trace ends
                while (t.isRunning()) {
                    Thread.sleep(20);
                    if (!t.isRunning()) {
                        break;
                    }
                }
                System.out.printf(Locale.ROOT, "per hit, %s workload: %s%n", kind, programs());
                t.finish();
            }
            java.nio.file.Files.delete(out);
        } finally {
            Sys.INSTANCE.close(stats);
        }
    }

    /** The program's name, from BPF_OBJ_GET_INFO_BY_FD (struct bpf_prog_info: name[16] at offset 64). */
    private static String name(int fd) {
        com.sun.jna.Memory info = new com.sun.jna.Memory(256);
        info.clear();
        com.sun.jna.Memory attr = new com.sun.jna.Memory(16);
        attr.setInt(0, fd);
        attr.setInt(4, 256);
        attr.setLong(8, com.sun.jna.Pointer.nativeValue(info));
        if (Sys.INSTANCE.syscall(321, 15 /* BPF_OBJ_GET_INFO_BY_FD */, attr, 16) < 0) {
            return "fd " + fd;
        }
        return info.getString(64);
    }

    /** "tracing#1 120 ns x 5000" per BPF program of this JVM with hits, in fd (load) order. */
    private static String programs() throws IOException {
        List<String> found = new ArrayList<>();
        try (java.util.stream.Stream<Path> fds = java.nio.file.Files.list(Path.of("/proc/self/fdinfo"))) {
            for (Path fd : fds.sorted(java.util.Comparator.comparingInt(p -> Integer.parseInt(p.getFileName().toString()))).toList()) {
                String info;
                try {
                    info = java.nio.file.Files.readString(fd);
                } catch (IOException gone) {
                    continue;
                }
                java.util.Map<String, String> f = new java.util.HashMap<>();
                for (String line : info.split("\n")) {
                    String[] kv = line.split(":\\s*", 2);
                    if (kv.length == 2) {
                        f.put(kv[0], kv[1].trim());
                    }
                }
                if (f.containsKey("run_cnt") && Long.parseLong(f.get("run_cnt")) > 0) {
                    long cnt = Long.parseLong(f.get("run_cnt"));
                    found.add(String.format(Locale.ROOT, "%s: %.0f ns x %d", name(Integer.parseInt(fd.getFileName().toString())),
                            Long.parseLong(f.get("run_time_ns")) / (double) cnt, cnt));
                }
            }
        }
        return String.join("; ", found);
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

    /** The HTTP service fixture traced without and with the kernel context ({@link HttpServiceCost}). */
    private static void http(int reps) throws Exception {
        HttpServiceCost.print(reps, TraceOptions.defaults(), TraceOptions.defaults().withKernelContext(true), "kernel context");
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
        return Stats.of(values).median();
    }
}

package dev.pybudget.bench;

import dev.pybudget.engine.Trace;
import dev.pybudget.engine.TraceOptions;
import dev.pybudget.engine.Tracer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The HTTP service fixture (python-fixtures/workloads/lazy_import_service), 1,000 requests on loopback after 20 of
 * warm-up (http_client.py): elapsed time and the server's CPU time, traced with one set of options and with
 * another, interleaved. The service's pid is the gate's (the shell execs Python), so its CPU clock is readable.
 */
final class HttpServiceCost {
    private HttpServiceCost() {}

    private static final String PYTHON = "/usr/bin/python3.11";

    /** Prints one row: {@code base} against {@code with}, which adds what {@code withWhat} names ("GIL waits"). */
    static void print(int reps, TraceOptions base, TraceOptions with, String withWhat) throws Exception {
        Path service = Path.of("python-fixtures/workloads/lazy_import_service").toAbsolutePath();
        Path client = Path.of("python-fixtures/workloads/bench/http_client.py").toAbsolutePath();
        List<TraceOptions> options = List.of(base, with);
        List<List<Double>> elapsed = List.of(new ArrayList<>(), new ArrayList<>());
        List<List<Double>> cpu = List.of(new ArrayList<>(), new ArrayList<>());
        for (int i = 0; i < reps; i++) {
            for (int k = 0; k < 2; k++) {
                int port;
                try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
                    port = s.getLocalPort();
                }
                try (Trace t = Tracer.start(new ProcessBuilder(PYTHON, "server.py", "" + port).directory(service.toFile())
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD), options.get(k))) {
                    String out = "";
                    for (int attempt = 0; attempt < 100 && !out.contains("BENCH elapsed"); attempt++) {
                        Thread.sleep(50);
                        Process p = new ProcessBuilder(PYTHON, client.toString(), "" + port, "1000", "20", "" + t.pid())
                                .directory(client.getParent().toFile()).redirectErrorStream(true).start();
                        out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                        p.waitFor();
                    }
                    elapsed.get(k).add(mark(out, "elapsed") / 1e6);
                    cpu.get(k).add(mark(out, "server_cpu") / 1e6);
                }
            }
        }
        System.out.printf(Locale.ROOT, "%-44s traced %8.1f ms, server CPU %7.1f ms | with %s %8.1f ms, server CPU"
                        + " %7.1f ms | x%.3f time, x%.3f server CPU%n", "HTTP service, 1,000 requests", median(elapsed.get(0)),
                median(cpu.get(0)), withWhat, median(elapsed.get(1)), median(cpu.get(1)),
                median(elapsed.get(1)) / median(elapsed.get(0)), median(cpu.get(1)) / median(cpu.get(0)));
    }

    private static double median(List<Double> values) {
        return Stats.of(values).median();
    }

    private static double mark(String out, String name) {
        return out.lines().filter(l -> l.startsWith("BENCH " + name + " ")).mapToDouble(l -> Double.parseDouble(l.split(" ")[2]))
                .findFirst().orElseThrow(() -> new IllegalStateException("no BENCH " + name + " in: " + out));
    }
}

package dev.pybudget.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One run of a workload under one tool: the tool's own instants (System.nanoTime, the same clock as
 * the workload's time.perf_counter_ns) and the "BENCH key value" marks the workload printed.
 *
 * @param started  just before the tool was asked to trace (process spawned, or Tracer.start called)
 * @param released the tool said its probes are attached and the workload may run (0: not known)
 * @param ended    the tool returned / exited after the workload ended
 */
record Run(long started, long released, long ended, Map<String, Long> marks, String output) {

    long mark(String key) {
        Long v = marks.get(key);
        if (v == null) {
            throw new IllegalStateException("the workload printed no 'BENCH " + key + "' line; its output:\n" + tail(output));
        }
        return v;
    }

    static Map<String, Long> marks(String output) {
        Map<String, Long> marks = new HashMap<>();
        for (String line : output.split("\n")) {
            if (line.startsWith("BENCH ")) {
                String[] parts = line.trim().split(" ");
                if (parts.length == 3) {
                    marks.put(parts[1], Long.parseLong(parts[2]));
                }
            }
        }
        return marks;
    }

    static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    static String tail(String s) {
        List<String> lines = List.of(s.split("\n"));
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
    }
}

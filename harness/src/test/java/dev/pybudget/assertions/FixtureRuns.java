package dev.pybudget.assertions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pybudget.engine.Trace;
import dev.pybudget.engine.TraceOptions;
import dev.pybudget.engine.Tracer;
import dev.pybudget.recording.Recording;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Real recordings of the python-fixtures workloads, traced by the local engine with Debian's
 * /usr/bin/python3.11 (which has every probe), each with the in-process oracle's counts
 * (python-fixtures/oracle.py) from the same run. A run is made once per JVM and shared.
 */
public final class FixtureRuns {
    private FixtureRuns() {}

    public static final Path FIXTURES = Path.of("..", "python-fixtures").toAbsolutePath().normalize();
    public static final String PYTHON = "/usr/bin/python3.11";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<List<Object>, Run> RUNS = new ConcurrentHashMap<>();

    /** A recording and what the oracle counted in the same process. */
    public record Run(Recording recording, JsonNode oracle) {

        /** The oracle's counts of one window: gc.collections, gc.collected, imports, calls, audit. */
        public JsonNode oracleWindow(String name) {
            JsonNode w = oracle.path("windows").path(name);
            if (w.isMissingNode()) {
                throw new IllegalStateException("The oracle saw no window '" + name + "': " + oracle.path("windows"));
            }
            return w;
        }
    }

    public static Run run(TraceOptions options, String script, String... args) {
        List<Object> key = new ArrayList<>(List.of(options, script));
        key.addAll(List.of(args));
        return RUNS.computeIfAbsent(key, k -> trace(options, script, args));
    }

    /** A fresh run, never shared: for tests that compare two runs of the same workload. */
    public static Run trace(TraceOptions options, String script, String... args) {
        try {
            Path oracle = Files.createTempFile("pybudget-oracle-", ".json");
            List<String> command = new ArrayList<>(List.of(PYTHON, script));
            command.addAll(List.of(args));
            ProcessBuilder workload = new ProcessBuilder(command).directory(FIXTURES.toFile())
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.INHERIT);
            workload.environment().put("PYBUDGET_ORACLE", oracle.toString());
            Recording recording;
            try (Trace trace = Tracer.start(workload, options)) {
                recording = trace.finish();
            }
            if (recording.exitStatus().orElse(-1) != 0) {
                throw new IllegalStateException(script + " exited with " + recording.exitStatus() + ".");
            }
            JsonNode counted = JSON.readTree(oracle.toFile());
            Files.deleteIfExists(oracle);
            return new Run(recording, counted);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

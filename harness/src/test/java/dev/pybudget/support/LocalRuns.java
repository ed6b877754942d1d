package dev.pybudget.support;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pybudget.engine.Trace;
import dev.pybudget.engine.TraceOptions;
import dev.pybudget.engine.Tracer;
import dev.pybudget.recording.Recording;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * Workloads of python-fixtures/workloads traced on this host by the local engine, run by Debian's python3.11
 * (it has every marker) in the workload's own folder, their output kept in files of a temporary folder. A
 * missing prerequisite fails the test with the way to get it, never skips it.
 */
public final class LocalRuns {
    private LocalRuns() {}

    /** No traced run of a workload takes this long; a hang fails the test instead of the build. */
    public static final Duration TIMEOUT = Duration.ofSeconds(90);

    private static final Map<List<Object>, OracleRun> SHARED = new ConcurrentHashMap<>();

    public static TraceOptions options() {
        return TraceOptions.defaults().withTimeout(TIMEOUT);
    }

    /** A traced run that is still going: the trace, and where its stdout and stderr go. */
    public record Run(Trace trace, Path stdout, Path stderr) implements AutoCloseable {
        public String out() {
            return read(stdout);
        }

        public String err() {
            return read(stderr);
        }

        @Override
        public void close() {
            trace.close();
        }

        private static String read(Path file) {
            try {
                return Files.readString(file, StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "(unreadable: " + e + ")";
            }
        }
    }

    /** Starts {@code python [pythonOptions] workload [args]} traced, in the workload's folder, with {@code env} added. */
    public static Run start(Path python, Path tmp, TraceOptions options, Map<String, String> env, List<String> pythonOptions,
                            String workload, String... args) {
        Path script = PythonFixtures.workload(workload);
        List<String> command = new ArrayList<>();
        command.add(python.toString());
        command.addAll(pythonOptions);
        command.add(script.getFileName().toString());
        command.addAll(List.of(args));
        Path out = tmp.resolve("stdout-" + System.nanoTime() + ".txt");
        Path err = tmp.resolve("stderr-" + System.nanoTime() + ".txt");
        ProcessBuilder builder = new ProcessBuilder(command).directory(script.getParent().toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        builder.environment().putAll(env);
        return new Run(Tracer.start(builder, options), out, err);
    }

    public static Run start(Path tmp, TraceOptions options, Map<String, String> env, String workload, String... args) {
        return start(Pythons.debian(), tmp, options, env, List.of(), workload, args);
    }

    public static Run start(Path tmp, TraceOptions options, String workload, String... args) {
        return start(tmp, options, Map.of(), workload, args);
    }

    /**
     * Traces {@code python [pythonOptions] workload [args]} with PYBUDGET_ORACLE set, waits for it, and checks
     * that it exited with status 0 and that the oracle wrote its file.
     */
    public static OracleRun traceWithOracle(Path python, Path tmp, TraceOptions options, List<String> pythonOptions,
                                            String workload, String... args) throws IOException {
        Path oracleFile = tmp.resolve("oracle-" + System.nanoTime() + ".json");
        Recording recording;
        String stdout;
        String stderr;
        try (Run run = start(python, tmp, options, Map.of("PYBUDGET_ORACLE", oracleFile.toString()), pythonOptions,
                workload, args)) {
            recording = run.trace().finish();
            stdout = run.out();
            stderr = run.err();
        }
        assertThat(recording.exitStatus()).as("exit status of %s; its stderr:%n%s", workload, stderr).contains(0);
        assertThat(oracleFile).as("the oracle's file; the workload's stderr:%n%s", stderr).isRegularFile();
        return new OracleRun(recording, Oracle.read(oracleFile), stdout, stderr);
    }

    public static OracleRun traceWithOracle(Path tmp, TraceOptions options, List<String> pythonOptions, String workload,
                                            String... args) throws IOException {
        return traceWithOracle(Pythons.debian(), tmp, options, pythonOptions, workload, args);
    }

    public static OracleRun traceWithOracle(Path tmp, TraceOptions options, String workload, String... args)
            throws IOException {
        return traceWithOracle(tmp, options, List.of(), workload, args);
    }

    /** A run with its oracle made once per JVM and shared by every test that asks for the same one. */
    public static OracleRun shared(TraceOptions options, String workload, String... args) {
        List<Object> key = new ArrayList<>(List.of(options, workload));
        key.addAll(List.of(args));
        return SHARED.computeIfAbsent(key, k -> fresh(options, workload, args));
    }

    /** A run with its oracle, never shared: for tests that compare two runs of the same workload. */
    public static OracleRun fresh(TraceOptions options, String workload, String... args) {
        try {
            Path tmp = Files.createTempDirectory("pybudget-run-");
            try {
                return traceWithOracle(tmp, options, workload, args);
            } finally {
                try (Stream<Path> files = Files.walk(tmp)) {
                    for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
                        Files.deleteIfExists(f);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

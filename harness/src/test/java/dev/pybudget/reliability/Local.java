package dev.pybudget.reliability;

import static org.assertj.core.api.Assertions.fail;

import dev.pybudget.engine.Trace;
import dev.pybudget.engine.TraceOptions;
import dev.pybudget.engine.Tracer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Workloads the reliability tests trace on this host: Debian's /usr/bin/python3.11 (it has every
 * USDT probe) running a fixture of python-fixtures/, its output kept in files of a temporary folder.
 * A missing prerequisite fails the test with what to install: a fault test must not pass unmeasured.
 */
final class Local {
    private Local() {}

    static final Path PYTHON = Path.of("/usr/bin/python3.11");
    /** Tests run in harness/; the fixtures live next to it. */
    static final Path FIXTURES = Path.of("..", "python-fixtures").toAbsolutePath().normalize();
    /** No run here legitimately takes this long: a hang fails the test, not the build. */
    static final Duration LIMIT = Duration.ofSeconds(90);

    static Path python() {
        if (!Files.isRegularFile(PYTHON)) {
            fail(PYTHON + " is missing: apt-get install -y python3.11-minimal (Debian 12; it has the USDT notes)");
        }
        return PYTHON;
    }

    static Path fixture(String relative) {
        Path file = FIXTURES.resolve(relative);
        if (!Files.exists(file)) {
            fail(file + " is missing: python-fixtures/ of the repository holds it");
        }
        return file;
    }

    static TraceOptions options() {
        return TraceOptions.defaults().withTimeout(LIMIT);
    }

    /** A traced run: the trace, and where its stdout and stderr go. */
    record Run(Trace trace, Path stdout, Path stderr) implements AutoCloseable {
        String out() {
            return read(stdout);
        }

        String err() {
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

    /** Starts {@code python3.11 fixture args...} traced, in the fixture's folder. */
    static Run start(Path tmp, TraceOptions options, Map<String, String> env, String fixture, String... args) {
        Path script = fixture(fixture);
        List<String> command = new ArrayList<>(List.of(python().toString(), script.getFileName().toString()));
        command.addAll(List.of(args));
        Path out = tmp.resolve("stdout-" + System.nanoTime());
        Path err = tmp.resolve("stderr-" + System.nanoTime());
        ProcessBuilder builder = new ProcessBuilder(command).directory(script.getParent().toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        builder.environment().putAll(env);
        return new Run(Tracer.start(builder, options), out, err);
    }

    static Run start(Path tmp, TraceOptions options, String fixture, String... args) {
        return start(tmp, options, new LinkedHashMap<>(), fixture, args);
    }
}

package dev.pybudget.support;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/**
 * Runs a test class inside a test, as a user's build would (JUnit Platform launcher), to see what the user sees:
 * each test's outcome (and a class-level failure as an outcome of its own), and how long the run took. The
 * classes it runs are static nested classes of our tests, which Surefire does not run by themselves.
 */
public final class JUnitRun {

    public record Outcome(String test, TestExecutionResult.Status status, Optional<Throwable> failure) {
        public String message() {
            return failure.map(Throwable::getMessage).orElse("");
        }

        /** What was thrown, or null. */
        public Throwable thrown() {
            return failure.orElse(null);
        }

        /** A budget failure's message without its last line, which names the recording's file: checked to exist. */
        public String budgetMessage() {
            String m = message();
            int at = m.lastIndexOf(RECORDING);
            if (at < 0) {
                throw new AssertionError("The message names no recording: " + m);
            }
            Path file = Path.of(m.substring(at + RECORDING.length()));
            if (!file.isAbsolute() || !Files.isRegularFile(file)) {
                throw new AssertionError("The recording named in the message is not a file: " + file);
            }
            return m.substring(0, at);
        }

        /** The recording's file named in a budget failure's message. */
        public Path recordingFile() {
            budgetMessage();
            return Path.of(message().substring(message().lastIndexOf(RECORDING) + RECORDING.length()));
        }
    }

    /** Every outcome of one run, and how long the run took. */
    public record Result(List<Outcome> outcomes, long millis) {
        /** The one outcome of a class with one test (a class-level failure counts as its outcome). */
        public Outcome single() {
            if (outcomes.size() != 1) {
                throw new AssertionError("expected one outcome, got " + outcomes);
            }
            return outcomes.get(0);
        }
    }

    public static final String RECORDING = "\n  recording: ";

    private JUnitRun() {}

    /** With JUnit configuration parameters, as junit-platform.properties would give them. */
    public static Result launch(Class<?> testClass, Map<String, String> configuration) {
        List<Outcome> outcomes = Collections.synchronizedList(new ArrayList<>());
        Launcher launcher = LauncherFactory.create();
        long start = System.nanoTime();
        launcher.execute(LauncherDiscoveryRequestBuilder.request().selectors(selectClass(testClass))
                        .configurationParameters(configuration).build(),
                new TestExecutionListener() {
                    @Override
                    public void executionFinished(TestIdentifier id, TestExecutionResult result) {
                        if (id.isTest() || result.getStatus() != TestExecutionResult.Status.SUCCESSFUL) {
                            outcomes.add(new Outcome(id.getDisplayName(), result.getStatus(), result.getThrowable()));
                        }
                    }
                });
        return new Result(List.copyOf(outcomes), (System.nanoTime() - start) / 1_000_000);
    }

    public static Result launch(Class<?> testClass) {
        return launch(testClass, Map.of());
    }

    public static List<Outcome> run(Class<?> testClass) {
        return launch(testClass).outcomes();
    }

    public static List<Outcome> run(Class<?> testClass, Map<String, String> configuration) {
        return launch(testClass, configuration).outcomes();
    }

    public static Outcome single(Class<?> testClass) {
        return launch(testClass).single();
    }

    public static Outcome single(Class<?> testClass, Map<String, String> configuration) {
        return launch(testClass, configuration).single();
    }
}

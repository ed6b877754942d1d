package dev.pybudget.junit;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/** Runs a test class inside a test, as a user's build would, and keeps each test's outcome. */
final class JUnitRun {

    record Outcome(String test, TestExecutionResult.Status status, Optional<Throwable> failure) {
        String message() {
            return failure.map(Throwable::getMessage).orElse("");
        }

        /** A budget failure's message without its last line, which names the recording's file: checked to exist. */
        String budgetMessage() {
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
        Path recordingFile() {
            budgetMessage();
            return Path.of(message().substring(message().lastIndexOf(RECORDING) + RECORDING.length()));
        }
    }

    static final String RECORDING = "\n  recording: ";

    private JUnitRun() {}

    static List<Outcome> run(Class<?> testClass) {
        return run(testClass, Map.of());
    }

    /** With JUnit configuration parameters, as junit-platform.properties would give them. */
    static List<Outcome> run(Class<?> testClass, Map<String, String> configuration) {
        List<Outcome> outcomes = java.util.Collections.synchronizedList(new ArrayList<>());
        Launcher launcher = LauncherFactory.create();
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
        return List.copyOf(outcomes);
    }

    /** The one outcome of a class with one test (a class-level failure counts as its outcome). */
    static Outcome single(Class<?> testClass) {
        return single(testClass, Map.of());
    }

    static Outcome single(Class<?> testClass, Map<String, String> configuration) {
        List<Outcome> outcomes = run(testClass, configuration);
        if (outcomes.size() != 1) {
            throw new AssertionError("expected one outcome from " + testClass.getSimpleName() + ", got " + outcomes);
        }
        return outcomes.get(0);
    }
}

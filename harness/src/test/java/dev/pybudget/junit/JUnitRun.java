package dev.pybudget.junit;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.util.ArrayList;
import java.util.List;
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
    }

    private JUnitRun() {}

    static List<Outcome> run(Class<?> testClass) {
        List<Outcome> outcomes = new ArrayList<>();
        Launcher launcher = LauncherFactory.create();
        launcher.execute(LauncherDiscoveryRequestBuilder.request().selectors(selectClass(testClass)).build(),
                new TestExecutionListener() {
                    @Override
                    public void executionFinished(TestIdentifier id, TestExecutionResult result) {
                        if (id.isTest() || result.getStatus() != TestExecutionResult.Status.SUCCESSFUL) {
                            outcomes.add(new Outcome(id.getDisplayName(), result.getStatus(), result.getThrowable()));
                        }
                    }
                });
        return outcomes;
    }

    /** The one outcome of a class with one test (a class-level failure counts as its outcome). */
    static Outcome single(Class<?> testClass) {
        List<Outcome> outcomes = run(testClass);
        if (outcomes.size() != 1) {
            throw new AssertionError("expected one outcome from " + testClass.getSimpleName() + ", got " + outcomes);
        }
        return outcomes.get(0);
    }
}

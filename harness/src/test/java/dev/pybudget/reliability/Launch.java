package dev.pybudget.reliability;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.util.ArrayList;
import java.util.List;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/**
 * Runs a test class the way a user's build would (JUnit Platform launcher), to see what the user
 * sees when it fails: which tests failed, with what, and how long the run took. The classes it runs
 * are static nested classes of our tests, which Surefire does not run by themselves.
 */
final class Launch {
    private Launch() {}

    record Outcome(String test, TestExecutionResult.Status status, Throwable thrown) {}

    record Result(List<Outcome> tests, long millis) {
        List<Outcome> failed() {
            return tests.stream().filter(t -> t.status() != TestExecutionResult.Status.SUCCESSFUL).toList();
        }

        Outcome only() {
            if (tests.size() != 1) {
                throw new AssertionError("expected one test, ran " + tests);
            }
            return tests.get(0);
        }
    }

    static Result run(Class<?> testClass) {
        LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request().selectors(selectClass(testClass)).build();
        List<Outcome> outcomes = new ArrayList<>();
        Throwable[] containerFailure = new Throwable[1];
        TestExecutionListener listener = new TestExecutionListener() {
            @Override
            public void executionFinished(TestIdentifier id, TestExecutionResult result) {
                if (id.isTest()) {
                    outcomes.add(new Outcome(id.getDisplayName(), result.getStatus(), result.getThrowable().orElse(null)));
                } else if (result.getStatus() != TestExecutionResult.Status.SUCCESSFUL && containerFailure[0] == null) {
                    containerFailure[0] = result.getThrowable().orElse(null);
                }
            }
        };
        long start = System.nanoTime();
        Launcher launcher = LauncherFactory.create();
        launcher.execute(request, listener);
        long millis = (System.nanoTime() - start) / 1_000_000;
        if (containerFailure[0] != null) {
            outcomes.add(new Outcome("(class " + testClass.getSimpleName() + ")", TestExecutionResult.Status.FAILED,
                    containerFailure[0]));
        }
        return new Result(outcomes, millis);
    }
}

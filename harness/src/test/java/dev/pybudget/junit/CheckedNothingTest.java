package dev.pybudget.junit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pybudget.assertions.InconclusiveBudgetError;
import dev.pybudget.engine.LocalWorkload;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.platform.engine.TestExecutionResult.Status;
import dev.pybudget.support.JUnitRun;

/**
 * Issue 19, cases 9 and 10: a budget that checked nothing is inconclusive, never passed. Each
 * case is a small user test class run through the launcher, as a user's build runs it.
 */
class CheckedNothingTest {

    @PythonPerfTest
    static class EmptyBody {
        static final BudgetService service = new BudgetService(null);
        @Workload
        static LocalWorkload app = service.workload;

        @Test
        @GcBudget(generation = 2, max = 0)
        void emptyBody() {}
    }

    @Test
    void should_fail_as_inconclusive_a_budget_on_a_test_that_did_nothing() {
        JUnitRun.Outcome outcome = JUnitRun.single(EmptyBody.class);
        assertThat(outcome.status()).isEqualTo(Status.FAILED);
        assertThat(outcome.failure()).get().isExactlyInstanceOf(InconclusiveBudgetError.class);
        assertThat(outcome.budgetMessage()).isEqualTo("Expected no gen-2 collections, but nothing happened in the test: the"
                + " workload recorded no window, collection, import, call or audit event while it ran, so the budget checked"
                + " nothing; drive the workload from the test and wait for what it does.");
        assertThat(outcome.recordingFile().getFileName().toString()).isEqualTo("CheckedNothingTest.EmptyBody-emptyBody.json");
    }

    @PythonPerfTest
    static class OneCollection {
        static final BudgetService service = new BudgetService(null);
        @Workload
        static LocalWorkload app = service.workload;

        @Test
        @GcBudget(generation = 2, max = 1)
        void wholeTest() throws Exception {
            service.get("gc=2&n=1");
        }
    }

    @Test
    void should_pass_a_whole_test_budget_when_the_test_drove_the_workload() {
        assertThat(JUnitRun.single(OneCollection.class).status()).isEqualTo(Status.SUCCESSFUL);
    }

    @PythonPerfTest
    static class NotAwaited {
        static final BudgetService service = new BudgetService(null);
        @Workload
        static LocalWorkload app = service.workload;

        @Test
        @NoImports(window = "request")
        void sendsAndLeaves() throws Exception {
            service.get("gc=0&n=0"); // the service answers
            HttpClient.newHttpClient().sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.port
                    + "/?sleep=30&imp=colorsys")).build(), HttpResponse.BodyHandlers.discarding());
            // Returns once the request is inside its window (asleep there), without waiting for its answer.
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (begins() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
        }

        private static long begins() {
            return app.snapshot().audit().stream().filter(a -> a.event().equals("pybudget.begin"))
                    .mapToLong(dev.pybudget.recording.AuditCount::count).sum();
        }
    }

    @Test
    void should_fail_as_inconclusive_when_the_test_left_a_window_open() {
        JUnitRun.Outcome outcome = JUnitRun.single(NotAwaited.class);
        assertThat(outcome.status()).isEqualTo(Status.FAILED);
        assertThat(outcome.failure()).get().isExactlyInstanceOf(InconclusiveBudgetError.class);
        assertThat(outcome.budgetMessage()).isEqualTo("Expected no imports in window 'request', but a window was still open"
                + " when the test ended (2 begin marks, 1 end mark during the test), so what it holds is cut short; wait in"
                + " the test for the work it started.");
    }

    @PythonPerfTest
    static class AlreadyEnded {
        @Workload
        static LocalWorkload script = new LocalWorkload("/usr/bin/python3.11", "-c", "import colorsys")
                .withOutput(ProcessBuilder.Redirect.DISCARD);

        @BeforeEach
        void scriptEnds() {
            script.awaitExit(Duration.ofSeconds(30));
        }

        @Test
        @NoImports
        void afterTheEnd() {}
    }

    @Test
    void should_fail_as_inconclusive_a_budget_on_a_workload_that_had_ended_before_the_test() {
        JUnitRun.Outcome outcome = JUnitRun.single(AlreadyEnded.class);
        assertThat(outcome.status()).isEqualTo(Status.FAILED);
        assertThat(outcome.failure()).get().isExactlyInstanceOf(InconclusiveBudgetError.class);
        assertThat(outcome.budgetMessage()).isEqualTo("Expected no imports, but the workload had already ended before the"
                + " test started (exited with status 0), so the test recorded nothing and the budget checked nothing.");
    }

    /** One instance for both tests: its workload lives as long as the instance (before: the second test got the first's final recording). */
    @PythonPerfTest
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    @TestMethodOrder(MethodOrderer.OrderAnnotation.class)
    static class PerClassInstance {
        final BudgetService service = new BudgetService(null);
        @Workload
        LocalWorkload app = service.workload;

        @Test
        @Order(1)
        @GcBudget(generation = 2, max = 1)
        void first() throws Exception {
            service.get("gc=2&n=1");
        }

        @Test
        @Order(2)
        @GcBudget(generation = 2, max = 0)
        void second() throws Exception {
            service.get("gc=2&n=1");
        }
    }

    @Test
    void should_record_each_test_of_a_per_class_instance_on_its_own() {
        List<JUnitRun.Outcome> outcomes = JUnitRun.run(PerClassInstance.class);
        assertThat(outcomes).extracting(JUnitRun.Outcome::test, JUnitRun.Outcome::status)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("first()", Status.SUCCESSFUL),
                        org.assertj.core.groups.Tuple.tuple("second()", Status.FAILED));
        assertThat(outcomes.get(1).budgetMessage().lines().findFirst())
                .hasValue("Expected no gen-2 collections, but there was 1:");
    }

    @PythonPerfTest
    static class RenamedFunction {
        static final BudgetService service = new BudgetService("*/server.py:*");
        @Workload
        static LocalWorkload app = service.workload;

        @Test
        @MaxCalls(function = "*/server.py:parse_query", max = 100, window = "request")
        void checkout() throws Exception {
            service.get("calls=150");
        }
    }

    @Test
    void should_fail_as_inconclusive_a_call_budget_whose_function_never_ran() {
        JUnitRun.Outcome outcome = JUnitRun.single(RenamedFunction.class);
        assertThat(outcome.status()).isEqualTo(Status.FAILED);
        assertThat(outcome.failure()).get().isExactlyInstanceOf(InconclusiveBudgetError.class);
        assertThat(outcome.budgetMessage()).isEqualTo("Expected at most 100 calls of '*/server.py:parse_query' in window"
                + " 'request', but no function matching '*/server.py:parse_query' ran in the recording, so the budget"
                + " checked nothing: check the pattern against the functions that run (a function renamed or moved?).");
    }
}

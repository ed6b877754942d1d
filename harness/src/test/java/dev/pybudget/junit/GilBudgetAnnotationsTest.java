package dev.pybudget.junit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pybudget.assertions.InconclusiveBudgetError;
import dev.pybudget.engine.LocalWorkload;
import java.nio.file.Path;
import java.time.Duration;
import dev.pybudget.support.JUnitRun;
import dev.pybudget.support.PythonFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.platform.engine.TestExecutionResult.Status;

/**
 * {@link GilBudget} kept and exceeded on python-fixtures/workloads/gil_contention.py on this host (Debian's python3.11, take_gil
 * from python3.11-dbg), run through the JUnit launcher as a user's build runs them, with the failure message pinned
 * (times and counts replaced by placeholders: how often two threads take turns depends on the machine's load).
 */
class GilBudgetAnnotationsTest {

    static final Path FIXTURES = PythonFixtures.WORKLOADS;

    /** THREADS threads spinning 0.5 s each in windows spin-0, spin-1, ... */
    static LocalWorkload spinning(int threads) {
        return new LocalWorkload("/usr/bin/python3.11", "gil_contention.py", "-", "" + threads, "0.5")
                .withDirectory(FIXTURES).withGilWaits(true);
    }

    private static String normalized(String message) {
        return message.replaceAll("\\d+(\\.\\d+)? (ms|µs|ns)", "<t>").replaceAll("\\d+", "<n>");
    }

    @PythonPerfTest
    static class TwoThreads {
        @Workload
        static LocalWorkload app = spinning(2);

        @Test
        @GilBudget(maxWaits = 3, window = "spin-0")
        void spin() {
            app.awaitExit(Duration.ofSeconds(60));
        }
    }

    @Test
    void should_fail_a_gil_budget_that_is_exceeded_with_the_wait_histogram() {
        JUnitRun.Outcome outcome = JUnitRun.single(TwoThreads.class);
        assertThat(outcome.status()).isEqualTo(Status.FAILED);
        assertThat(outcome.budgetMessage()).startsWith("Expected at most 3 GIL waits in window 'spin-0', but there were ");
        assertThat(normalized(outcome.budgetMessage())).matches("(?s)Expected at most <n> GIL waits in window 'spin-<n>', but"
                + " there were <n>:\n  GIL: <n> waits \\(p<n> <t>, max <t>, total <t>\\), <n> contended \\(p<n> <t>, p<n> <t>,"
                + " max <t>, total <t>\\)\n  GIL wait histogram:(\n    \\[<t>, <t>\\)  <n>)+");
    }

    @PythonPerfTest
    static class OneThread {
        @Workload
        static LocalWorkload app = spinning(1);

        @Test
        @GilBudget(maxWaits = 0, maxWaitBelowMillis = 1, p99WaitBelowMillis = 1, window = "spin-0")
        void spin() {
            app.awaitExit(Duration.ofSeconds(60));
        }
    }

    @Test
    void should_pass_a_gil_budget_of_no_wait_with_one_thread() {
        JUnitRun.Outcome outcome = JUnitRun.single(OneThread.class);
        assertThat(outcome.status()).as(outcome.message()).isEqualTo(Status.SUCCESSFUL);
    }

    @PythonPerfTest
    static class NotRecorded {
        @Workload
        static LocalWorkload app = spinning(1).withGilWaits(false);

        @Test
        @GilBudget(maxWaits = 0, window = "spin-0")
        void spin() {
            app.awaitExit(Duration.ofSeconds(60));
        }
    }

    @Test
    void should_fail_as_inconclusive_where_gil_waits_were_not_recorded() {
        JUnitRun.Outcome outcome = JUnitRun.single(NotRecorded.class);
        assertThat(outcome.status()).isEqualTo(Status.FAILED);
        assertThat(outcome.failure()).containsInstanceOf(InconclusiveBudgetError.class);
        assertThat(outcome.budgetMessage()).isEqualTo("Expected no GIL waits in window 'spin-0', but the GIL waits were not"
                + " recorded (turn them on with withGilWaits(true) on the workload or its TraceOptions), so there is nothing"
                + " to compare.");
    }

    @PythonPerfTest
    static class NoBudget {
        @Workload
        static LocalWorkload app = spinning(1);

        @Test
        @GilBudget(window = "spin-0")
        void spin() {
            app.awaitExit(Duration.ofSeconds(60));
        }
    }

    @Test
    void should_refuse_a_gil_budget_that_sets_nothing() {
        JUnitRun.Outcome outcome = JUnitRun.single(NoBudget.class);
        assertThat(outcome.status()).isEqualTo(Status.FAILED);
        assertThat(outcome.failure()).containsInstanceOf(ExtensionConfigurationException.class);
        assertThat(outcome.message()).isEqualTo("@GilBudget sets no budget: give maxWaits, maxWaitBelowMillis or p99WaitBelowMillis.");
    }
}

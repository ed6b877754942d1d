package dev.pybudget.junit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pybudget.assertions.InconclusiveBudgetError;
import dev.pybudget.assertions.Verdict;
import dev.pybudget.engine.LocalWorkload;
import dev.pybudget.recording.ProbeCost;
import dev.pybudget.recording.ProbeRates;
import dev.pybudget.recording.Recording;
import dev.pybudget.report.BudgetSummary;
import dev.pybudget.report.JsonReport;
import dev.pybudget.support.JUnitRun;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.platform.engine.TestExecutionResult.Status;

/**
 * pybudget.maxProbeCostPercent: a budget that fails on a window whose probes cost more than the threshold (a share of
 * the window's wall time) is inconclusive; under it, it fails as before; a pass stays a pass. The rates are fixed
 * here (10 µs a hit, several times what a hit costs on this machine) so that the window's cost is far above the
 * tiny threshold whatever the load; the expected message is computed from the recording the test wrote.
 */
class ProbeCostGateTest {

    static final ProbeRates RATES = new ProbeRates("test", Map.of(ProbeCost.GC, 10_000.0, ProbeCost.AUDIT, 10_000.0,
            ProbeCost.IMPORTS, 10_000.0, ProbeCost.CALLS, 10_000.0, ProbeCost.SYSCALLS, 10_000.0), "fixed by ProbeCostGateTest");
    static Optional<ProbeRates> before;

    @BeforeAll
    static void fixedRates() {
        before = ProbeRates.known();
        ProbeRates.use(RATES);
    }

    @AfterAll
    static void restore() {
        ProbeRates.use(before.orElse(null));
    }

    @PythonPerfTest
    static class OneRequest {
        static final BudgetService service = new BudgetService(null);
        @Workload
        static LocalWorkload app = service.workload;

        @Test
        @GcBudget(generation = 2, max = 0, window = "request")
        void checkout() throws Exception {
            service.get("gc=2&n=1");
        }
    }

    @Test
    void should_be_inconclusive_when_the_windows_probes_cost_more_than_the_threshold() throws Exception {
        JUnitRun.Outcome outcome = JUnitRun.single(OneRequest.class, Map.of(ProbeCostGate.SETTING, "0.001"));

        assertThat(outcome.status()).isEqualTo(Status.FAILED);
        assertThat(outcome.failure()).get().isInstanceOf(InconclusiveBudgetError.class);
        Recording r = JsonReport.read(outcome.recordingFile());
        ProbeCost cost = ProbeCost.of(r, r.window("request").orElseThrow(), Optional.of(RATES));
        long collections = r.window("request").orElseThrow().sections().gc().collections(2);
        assertThat(collections).isPositive();
        assertThat(outcome.budgetMessage()).isEqualTo(String.format(Locale.ROOT, "Expected no gen-2 collections in window"
                + " 'request', but the probes took about %.0f µs of the workload's CPU in window 'request', %.1f%% of its wall"
                + " time, above pybudget.maxProbeCostPercent (0.001%%), so the measurement may have changed what it measured"
                + " (it found %d gen-2 collection%s).", cost.nanos().getAsDouble() / 1000, cost.percentOfWall().getAsDouble(),
                collections, collections == 1 ? "" : "s"));
        assertThat(summaryDetail("checkout()", Verdict.INCONCLUSIVE)).startsWith(collections + " gen-2 collection")
                .contains("; " + cost.describe("window"));
    }

    /** A class of its own: a static workload serves one run of its class. */
    @PythonPerfTest
    static class OneRequestAgain {
        static final BudgetService service = new BudgetService(null);
        @Workload
        static LocalWorkload app = service.workload;

        @Test
        @GcBudget(generation = 2, max = 0, window = "request")
        void checkout() throws Exception {
            service.get("gc=2&n=1");
        }
    }

    @Test
    void should_fail_as_before_when_the_probes_cost_less_than_the_threshold() throws Exception {
        JUnitRun.Outcome outcome = JUnitRun.single(OneRequestAgain.class, Map.of(ProbeCostGate.SETTING, "100000"));

        assertThat(outcome.status()).isEqualTo(Status.FAILED);
        assertThat(outcome.failure()).get().isNotInstanceOf(InconclusiveBudgetError.class);
        assertThat(outcome.budgetMessage()).startsWith("Expected no gen-2 collections in window 'request', but ");
        assertThat(outcome.budgetMessage()).doesNotContain("probes");
    }

    @PythonPerfTest
    static class Passing {
        static final BudgetService service = new BudgetService(null);
        @Workload
        static LocalWorkload app = service.workload;

        @Test
        @GcBudget(generation = 2, max = 5, window = "request")
        void checkout() throws Exception {
            service.get("gc=2&n=1");
        }
    }

    @Test
    void should_pass_a_budget_that_passed_whatever_the_probes_cost() {
        JUnitRun.Outcome outcome = JUnitRun.single(Passing.class, Map.of(ProbeCostGate.SETTING, "0.001"));

        assertThat(outcome.status()).as(outcome.message()).isEqualTo(Status.SUCCESSFUL);
        assertThat(summaryDetail("checkout()", Verdict.PASSED)).contains("; probes: ").contains("of the window's wall time");
    }

    @PythonPerfTest
    static class BadSetting {
        static final BudgetService service = new BudgetService(null);
        @Workload
        static LocalWorkload app = service.workload;

        @Test
        @GcBudget(generation = 2, max = 5, window = "request")
        void checkout() throws Exception {
            service.get("gc=2&n=1");
        }
    }

    @Test
    void should_refuse_a_threshold_that_is_not_a_percentage_with_a_sentence() {
        JUnitRun.Outcome outcome = JUnitRun.single(BadSetting.class, Map.of(ProbeCostGate.SETTING, "five"));

        assertThat(outcome.failure()).get().isExactlyInstanceOf(ExtensionConfigurationException.class);
        assertThat(outcome.message()).isEqualTo("pybudget.maxProbeCostPercent is 'five': give a percentage of a window's wall"
                + " time, e.g. 5 (0 turns the gate off).");
    }

    private static String summaryDetail(String test, Verdict verdict) {
        return BudgetSummary.ofThisRun().entries().stream().filter(e -> e.testClass().startsWith("ProbeCostGateTest.")
                        && e.test().endsWith(test) && e.verdict() == verdict).reduce((a, b) -> b).orElseThrow().detail();
    }
}

package dev.pybudget.junit;

import static dev.pybudget.assertions.PyBudgetAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pybudget.assertions.Baseline;
import dev.pybudget.engine.LocalWorkload;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.io.TempDir;
import org.junit.platform.engine.TestExecutionResult.Status;
import dev.pybudget.support.JUnitRun;

/**
 * Settings as JUnit configuration parameters (issue 12 item 7: junit-platform.properties, a system
 * property overriding), and the team annotation that Java would drop (issue 19 case 11).
 */
class SettingsTest {

    @TempDir
    static Path dir;

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
    void the_report_folder_should_come_from_a_configuration_parameter() {
        Path reports = dir.resolve("reports");
        JUnitRun.Outcome outcome = JUnitRun.run(OneRequest.class, Map.of("pybudget.reportDir", reports.toString())).get(0);
        assertThat(outcome.status()).isEqualTo(Status.FAILED);
        assertThat(outcome.recordingFile()).isEqualTo(reports.resolve("SettingsTest.OneRequest-checkout.json").toAbsolutePath());
        assertThat(reports.resolve("summary.md")).content().contains("### SettingsTest.OneRequest");
    }

    @PythonPerfTest
    static class BaselineOnCi {
        static final BudgetService service = new BudgetService(null);
        @Workload
        static LocalWorkload app = service.workload;

        @Test
        void checkout(Recorder recorder) {
            var run = recorder.record("checkout", () -> service.get("gc=0&n=1"));
            assertThat(run).window("request").matchesBaseline(Baseline.at(dir.resolve("baselines/checkout.json")));
        }
    }

    @Test
    void CI_should_be_settable_in_the_configuration_so_a_missing_baseline_fails() {
        JUnitRun.Outcome outcome = JUnitRun.single(BaselineOnCi.class, Map.of("pybudget.ci", "true"));
        assertThat(outcome.status()).isEqualTo(Status.FAILED);
        assertThat(outcome.budgetMessage()).isEqualTo("Expected no regression against baseline " + dir.resolve("baselines/checkout.json")
                + " in window 'request', but there is no such file, and on CI a missing baseline is not written: record the"
                + " baseline with -Dpybudget.baselines=update and commit it.");
        assertThat(dir.resolve("baselines/checkout.json")).doesNotExist();
    }

    /** The same test, in a class of its own: a static workload serves one run of its class. */
    @PythonPerfTest
    static class BaselineOffCi {
        static final BudgetService service = new BudgetService(null);
        @Workload
        static LocalWorkload app = service.workload;

        @Test
        void checkout(Recorder recorder) {
            var run = recorder.record("checkout", () -> service.get("gc=0&n=1"));
            assertThat(run).window("request").matchesBaseline(Baseline.at(dir.resolve("baselines/off-ci.json")));
        }
    }

    @Test
    void a_baseline_written_off_CI_should_say_so_in_the_summary() {
        JUnitRun.Outcome outcome = JUnitRun.single(BaselineOffCi.class, Map.of("pybudget.ci", "false"));
        assertThat(outcome.status()).as(outcome.message()).isEqualTo(Status.SUCCESSFUL);
        Path file = dir.resolve("baselines/off-ci.json");
        assertThat(file).exists();
        assertThat(dev.pybudget.report.BudgetSummary.ofThisRun().entries()).filteredOn(e -> e.testClass().equals(
                "SettingsTest.BaselineOffCi") && e.verdict() == dev.pybudget.assertions.Verdict.PASSED)
                .extracting(dev.pybudget.report.BudgetSummary.Entry::detail)
                .containsExactly("baseline recorded: Baseline " + file + " did not exist: written from this run; commit it.");
    }

    @Test
    void a_workload_stopped_with_an_earlier_class_should_be_refused_with_a_sentence() {
        assertThat(JUnitRun.single(SharesTheWorkload.class).status()).isEqualTo(Status.SUCCESSFUL);
        JUnitRun.Outcome again = JUnitRun.single(AlsoSharesTheWorkload.class);
        assertThat(again.status()).isEqualTo(Status.FAILED);
        assertThat(again.failure()).get().isExactlyInstanceOf(ExtensionConfigurationException.class);
        assertThat(again.message()).isEqualTo("The workload in field 'app' was stopped when an earlier test class that"
                + " shares it ended, and a workload runs once: give SettingsTest.AlsoSharesTheWorkload a workload of its own"
                + " (a new one in its own static field), or run the classes as @Nested classes of one class that holds it.");
    }

    /** A team's base class holding one workload for every subclass: the second class to run finds it stopped. */
    abstract static class SharedServiceBase {
        static final BudgetService service = new BudgetService(null);
        @Workload
        static LocalWorkload app = service.workload;

        @Test
        @GcBudget(generation = 2, max = 1, window = "request")
        void checkout() throws Exception {
            service.get("gc=2&n=1");
        }
    }

    @PythonPerfTest
    static class SharesTheWorkload extends SharedServiceBase {}

    @PythonPerfTest
    static class AlsoSharesTheWorkload extends SharedServiceBase {}

    /** A team budget whose author forgot @Retention(RUNTIME): CLASS is Java's default. */
    @Target({ElementType.METHOD, ElementType.TYPE})
    @Retention(RetentionPolicy.CLASS)
    @GcBudget(generation = 2, max = 0, window = "request")
    @interface ForgottenRetention {}

    @PythonPerfTest
    static class UsesForgottenRetention {
        static final BudgetService service = new BudgetService(null);
        @Workload
        static LocalWorkload app = service.workload;

        @Test
        @ForgottenRetention
        void checkout() throws Exception {
            service.get("gc=2&n=1");
        }
    }

    @Test
    void should_fail_with_a_sentence_a_team_budget_that_Java_drops() {
        JUnitRun.Outcome outcome = JUnitRun.single(UsesForgottenRetention.class);
        assertThat(outcome.status()).isEqualTo(Status.FAILED);
        assertThat(outcome.failure()).get().isExactlyInstanceOf(ExtensionConfigurationException.class);
        assertThat(outcome.message()).isEqualTo("@ForgottenRetention on SettingsTest.UsesForgottenRetention carries budgets,"
                + " but without @Retention(RetentionPolicy.RUNTIME) Java drops it before the tests run, so its budgets would"
                + " not be checked: add @Retention(RetentionPolicy.RUNTIME) to ForgottenRetention.");
    }
}

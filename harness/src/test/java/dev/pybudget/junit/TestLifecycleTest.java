package dev.pybudget.junit;

import static dev.pybudget.assertions.PyBudgetAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import dev.pybudget.assertions.Verdict;
import dev.pybudget.engine.LocalWorkload;
import dev.pybudget.report.BudgetSummary;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.platform.engine.TestExecutionResult.Status;
import dev.pybudget.support.JUnitRun;

/**
 * Issue 19, cases 12, 14 and 15, and issue 17's summary: tests sharing a workload at the same
 * time, invocations with their own verdicts and files, the summary following each test's outcome
 * and listing assertions, and the test's window starting after {@code @BeforeEach}.
 */
class TestLifecycleTest {

    @PythonPerfTest
    @Execution(ExecutionMode.CONCURRENT)
    static class TwoAtOnce {
        static final BudgetService service = new BudgetService(null);
        @Workload
        static LocalWorkload app = service.workload;

        @Test
        @GcBudget(generation = 2, max = 0, window = "request")
        void clean() throws Exception {
            service.get("gc=0&n=1");
            Thread.sleep(3000);
        }

        @Test
        @GcBudget(generation = 2, max = 0, window = "request")
        void alsoClean() throws Exception {
            service.get("gc=0&n=1");
            Thread.sleep(3000);
        }
    }

    @Test
    void should_refuse_a_test_that_starts_while_another_uses_its_workload() {
        List<JUnitRun.Outcome> outcomes = JUnitRun.run(TwoAtOnce.class, Map.of("junit.jupiter.execution.parallel.enabled", "true",
                "junit.jupiter.execution.parallel.config.strategy", "fixed",
                "junit.jupiter.execution.parallel.config.fixed.parallelism", "2"));
        assertThat(outcomes).extracting(JUnitRun.Outcome::status).containsExactlyInAnyOrder(Status.SUCCESSFUL, Status.FAILED);
        JUnitRun.Outcome refused = outcomes.stream().filter(o -> o.status() == Status.FAILED).findFirst().orElseThrow();
        String first = refused.test().equals("clean()") ? "alsoClean" : "clean";
        String second = refused.test().replace("()", "");
        assertThat(refused.failure()).get().isExactlyInstanceOf(ExtensionConfigurationException.class);
        assertThat(refused.message()).isEqualTo("Another test (TestLifecycleTest.TwoAtOnce." + first + "()) was using the"
                + " workload in field 'app' when TestLifecycleTest.TwoAtOnce." + second + "() started: each would count the"
                + " other's work, so TestLifecycleTest.TwoAtOnce." + second + "() did not run. Run the tests that share a"
                + " workload one at a time (@Execution(ExecutionMode.SAME_THREAD) on the class, or one @ResourceLock on"
                + " them), or give each test its own workload (an instance field).");
    }

    @PythonPerfTest
    static class Repeated {
        static final BudgetService service = new BudgetService(null);
        @Workload
        static LocalWorkload app = service.workload;

        @RepeatedTest(2)
        @NoImports(window = "request")
        void checkout(RepetitionInfo info) throws Exception {
            service.get(info.getCurrentRepetition() == 1 ? "imp=colorsys" : "gc=0&n=1");
        }
    }

    @Test
    void each_invocation_should_have_its_own_verdict_row_and_recording() throws Exception {
        List<JUnitRun.Outcome> outcomes = JUnitRun.run(Repeated.class);
        assertThat(outcomes).extracting(JUnitRun.Outcome::status).containsExactly(Status.FAILED, Status.SUCCESSFUL);
        Path failing = outcomes.get(0).recordingFile();
        assertThat(failing.getFileName().toString()).isEqualTo("TestLifecycleTest.Repeated-checkout-1.json");
        assertThat(Files.readString(failing)).contains("\"colorsys\"");
        Path passing = failing.resolveSibling("TestLifecycleTest.Repeated-checkout-2.json");
        assertThat(Files.readString(passing)).doesNotContain("\"colorsys\"");
        for (Path file : List.of(failing, passing, failing.resolveSibling("TestLifecycleTest.Repeated-checkout-1.trace.json"))) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).as(file.toString()).isEqualTo("rw-r--r--");
        }
        assertThat(rows("TestLifecycleTest.Repeated")).extracting(BudgetSummary.Entry::test, BudgetSummary.Entry::verdict)
                .containsExactly(tuple("TestLifecycleTest.Repeated.checkout()[1]", Verdict.FAILED),
                        tuple("TestLifecycleTest.Repeated.checkout()[2]", Verdict.PASSED));
    }

    @PythonPerfTest
    static class Outcomes {
        static final BudgetService service = new BudgetService(null);
        @Workload
        static LocalWorkload app = service.workload;

        @Test
        @GcBudget(generation = 2, max = 0)
        void skipped() {
            Assumptions.assumeTrue(false, "no database here");
        }

        @Test
        @GcBudget(generation = 2, max = 0)
        void threwBeforeDriving() {
            throw new IllegalStateException("the fixture data is missing");
        }

        @Test
        void asserts(Recorder recorder) {
            var request = recorder.record("checkout", () -> service.get("gc=2&n=1"));
            assertThat(request).window("request").imports().isEmpty();
            assertThat(request).window("request").gc().hasNoCollections(2);
        }
    }

    @Test
    void the_summary_should_follow_each_test_and_list_assertions() throws Exception {
        List<JUnitRun.Outcome> outcomes = JUnitRun.run(Outcomes.class);
        assertThat(outcomes).extracting(JUnitRun.Outcome::test, JUnitRun.Outcome::status).containsExactlyInAnyOrder(
                tuple("skipped()", Status.ABORTED), tuple("threwBeforeDriving()", Status.FAILED), tuple("asserts(Recorder)", Status.FAILED));
        assertThat(rows("TestLifecycleTest.Outcomes"))
                .extracting(BudgetSummary.Entry::test, BudgetSummary.Entry::budget, BudgetSummary.Entry::verdict,
                        BudgetSummary.Entry::detail, BudgetSummary.Entry::testOutcome)
                .containsExactlyInAnyOrder(
                        tuple("TestLifecycleTest.Outcomes.skipped()", "@GcBudget(generation = 2, max = 0)", Verdict.INCONCLUSIVE,
                                "not checked: the test was skipped", "test skipped: Assumption failed: no database here"),
                        tuple("TestLifecycleTest.Outcomes.threwBeforeDriving()", "@GcBudget(generation = 2, max = 0)",
                                Verdict.INCONCLUSIVE, "not checked: the test threw IllegalStateException",
                                "test failed: the fixture data is missing"),
                        tuple("TestLifecycleTest.Outcomes.asserts()", "no imports in window 'request'", Verdict.PASSED,
                                "0 imports", "test failed: Expected no gen-2 collections in window 'request', but there was 1:"),
                        tuple("TestLifecycleTest.Outcomes.asserts()", "no gen-2 collections in window 'request'", Verdict.FAILED,
                                "1 gen-2 collection", "test failed: Expected no gen-2 collections in window 'request', but there was 1:"));
        JUnitRun.Outcome asserts = outcomes.stream().filter(o -> o.test().equals("asserts(Recorder)")).findFirst().orElseThrow();
        assertThat(asserts.budgetMessage().lines().findFirst()).hasValue("Expected no gen-2 collections in window 'request',"
                + " but there was 1:");
        assertThat(asserts.recordingFile().getFileName().toString()).isEqualTo("TestLifecycleTest.Outcomes-asserts.json");
        String summary = Files.readString(Path.of("target/pybudget/summary.md"));
        assertThat(summary).contains("### TestLifecycleTest.Outcomes\n")
                .contains("| TestLifecycleTest.Outcomes.asserts() (test failed: Expected no gen-2 collections in window"
                        + " 'request', but there was 1:) | no gen-2 collections in window 'request' | ❌ failed | 1 gen-2 collection |");
    }

    @PythonPerfTest
    static class WarmUpInBeforeEach {
        static final BudgetService service = new BudgetService(null);
        @Workload
        static LocalWorkload app = service.workload;

        @BeforeEach
        void warmUp() throws Exception {
            service.get("imp=colorsys"); // the first request imports; the test is about the next one
        }

        @Test
        @NoImports(window = "request")
        void warmCheckout() throws Exception {
            service.get("imp=colorsys");
        }
    }

    @Test
    void should_pass_a_window_budget_when_the_warm_up_was_in_BeforeEach() {
        assertThat(JUnitRun.single(WarmUpInBeforeEach.class).status()).isEqualTo(Status.SUCCESSFUL);
    }

    @PythonPerfTest
    static class Factory {
        static final BudgetService service = new BudgetService(null);
        @Workload
        static LocalWorkload app = service.workload;

        @TestFactory
        @NoImports(window = "request")
        Stream<DynamicTest> requests() {
            return Stream.of(dynamicTest("warm", () -> service.get("gc=0&n=1")),
                    dynamicTest("imports", () -> service.get("imp=colorsys")),
                    dynamicTest("warm again", () -> service.get("imp=colorsys")));
        }
    }

    @Test
    void each_dynamic_test_should_get_its_own_verdict() {
        List<JUnitRun.Outcome> outcomes = JUnitRun.run(Factory.class);
        assertThat(outcomes).extracting(JUnitRun.Outcome::test, JUnitRun.Outcome::status).containsExactly(
                tuple("warm", Status.SUCCESSFUL), tuple("imports", Status.FAILED), tuple("warm again", Status.SUCCESSFUL));
        JUnitRun.Outcome imports = outcomes.get(1);
        assertThat(imports.budgetMessage().replaceAll("\\d+(\\.\\d+)? (ms|µs)", "<t>")).isEqualTo("""
                Expected no imports in window 'request', but 1 module was imported (<t>):
                  colorsys <t>""");
        assertThat(imports.recordingFile().getFileName().toString()).isEqualTo("TestLifecycleTest.Factory-requests-2.json");
        assertThat(rows("TestLifecycleTest.Factory")).extracting(BudgetSummary.Entry::test, BudgetSummary.Entry::verdict)
                .containsExactly(tuple("TestLifecycleTest.Factory.requests()[1]", Verdict.PASSED),
                        tuple("TestLifecycleTest.Factory.requests()[2]", Verdict.FAILED),
                        tuple("TestLifecycleTest.Factory.requests()[3]", Verdict.PASSED));
    }

    @PythonPerfTest
    static class FirstFork {
        static final BudgetService service = new BudgetService(null);
        @Workload
        static LocalWorkload app = service.workload;

        @Test
        @GcBudget(generation = 2, max = 0, window = "request")
        void checkout() throws Exception {
            service.get("gc=2&n=1");
        }
    }

    @PythonPerfTest
    static class SecondFork {
        static final BudgetService service = new BudgetService(null);
        @Workload
        static LocalWorkload app = service.workload;

        @Test
        @NoImports(window = "request")
        void checkout() throws Exception {
            service.get("gc=0&n=1");
        }
    }

    @Test
    void the_summary_should_accumulate_over_the_JVMs_of_a_run() throws Exception {
        // reuseForks=false: each test class in a JVM of its own, all writing to target/pybudget
        for (String fork : List.of("FirstFork", "SecondFork")) {
            Files.deleteIfExists(Path.of("target/pybudget/summary/TestLifecycleTest." + fork + ".json")); // an earlier run's
        }
        ChildLauncher.run(List.of(), Duration.ofMinutes(2), FirstFork.class);
        ChildLauncher.run(List.of(), Duration.ofMinutes(2), SecondFork.class);
        String summary = Files.readString(Path.of("target/pybudget/summary.md"));
        assertThat(summary).contains("### TestLifecycleTest.FirstFork\n")
                .contains("| TestLifecycleTest.FirstFork.checkout() | no gen-2 collections in window 'request' | ❌ failed | 1 gen-2"
                        + " collection; probes: ")
                .contains("### TestLifecycleTest.SecondFork\n")
                .contains("| TestLifecycleTest.SecondFork.checkout() | no imports in window 'request' | ✅ passed | 0 imports; probes: ");
    }

    private static List<BudgetSummary.Entry> rows(String testClass) {
        return BudgetSummary.ofThisRun().entries().stream().filter(e -> e.testClass().equals(testClass)).toList();
    }
}

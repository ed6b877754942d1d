package dev.pybudget.junit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pybudget.engine.LocalWorkload;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.platform.engine.TestExecutionResult.Status;
import dev.pybudget.support.JUnitRun;

/**
 * Issue 19, cases 11 and 15: budgets are found as JUnit finds annotations (superclasses,
 * meta-annotations, enclosing classes of a {@code @Nested} class), and one that cannot apply
 * fails with a sentence.
 */
class BudgetDiscoveryTest {

    /** A team's own budget: gen-2 collections and sockets are not for the request path. */
    @Target({ElementType.METHOD, ElementType.TYPE})
    @Retention(RetentionPolicy.RUNTIME)
    @GcBudget(generation = 2, max = 0, window = "request")
    @NoAudit(value = "socket.*", window = "request")
    @interface HotPath {}

    /** The team's base class for service tests. */
    @HotPath
    abstract static class ServiceTestBase {}

    @PythonPerfTest
    static class InheritsTheBudget extends ServiceTestBase {
        static final BudgetService service = new BudgetService(null);
        @Workload
        static LocalWorkload app = service.workload;

        @Test
        void checkout() throws Exception {
            service.get("gc=2&n=1");
        }
    }

    @PythonPerfTest
    static class InheritsTheBudgetAndKeepsIt extends ServiceTestBase {
        static final BudgetService service = new BudgetService(null);
        @Workload
        static LocalWorkload app = service.workload;

        @Test
        void checkout() throws Exception {
            service.get("gc=0&n=1");
        }
    }

    @Test
    void should_fail_a_budget_inherited_from_a_base_class_through_a_team_annotation() {
        JUnitRun.Outcome outcome = JUnitRun.single(InheritsTheBudget.class);
        assertThat(outcome.status()).isEqualTo(Status.FAILED);
        assertThat(outcome.budgetMessage().lines().findFirst())
                .hasValue("Expected no gen-2 collections in window 'request', but there was 1:");
    }

    @Test
    void should_pass_a_budget_inherited_from_a_base_class_that_is_kept() {
        assertThat(JUnitRun.single(InheritsTheBudgetAndKeepsIt.class).status()).isEqualTo(Status.SUCCESSFUL);
    }

    @PythonPerfTest
    @GcBudget(generation = 2, max = 0, window = "request")
    static class OuterWorkload {
        static final BudgetService service = new BudgetService(null);
        @Workload
        static LocalWorkload app = service.workload;

        @Nested
        class Checkout {
            @Test
            void collects() throws Exception {
                service.get("gc=2&n=1");
            }

            @Test
            @NoImports(window = "request")
            void keeps() throws Exception {
                service.get("imp=socket");
            }
        }
    }

    @Test
    void a_nested_test_should_use_the_outer_workload_and_keep_the_outer_budget() {
        // Before: the outer budget was dropped (green) and a nested budget failed with "...Checkout has 0".
        var outcomes = JUnitRun.run(OuterWorkload.class);
        assertThat(outcomes).extracting(JUnitRun.Outcome::test, JUnitRun.Outcome::status).containsExactlyInAnyOrder(
                org.assertj.core.groups.Tuple.tuple("collects()", Status.FAILED),
                org.assertj.core.groups.Tuple.tuple("keeps()", Status.SUCCESSFUL));
        JUnitRun.Outcome collects = outcomes.stream().filter(o -> o.test().equals("collects()")).findFirst().orElseThrow();
        assertThat(collects.budgetMessage().lines().findFirst())
                .hasValue("Expected no gen-2 collections in window 'request', but there was 1:");
        assertThat(collects.recordingFile().getFileName().toString())
                .isEqualTo("BudgetDiscoveryTest.OuterWorkload.Checkout-collects.json");
    }

    @PythonPerfTest
    @GcBudget(generation = 2, max = 0)
    static class OuterBudgetInnerWorkload {
        static final BudgetService service = new BudgetService(null);
        @Workload
        static LocalWorkload app = service.workload;

        @Nested
        class OwnService {
            final BudgetService own = new BudgetService(null);
            @Workload
            LocalWorkload mine = own.workload;

            @Test
            void checkout() throws Exception {
                own.get("gc=0&n=1");
            }
        }
    }

    @Test
    void should_fail_with_a_sentence_a_budget_of_an_enclosing_class_about_another_workload() {
        JUnitRun.Outcome outcome = JUnitRun.single(OuterBudgetInnerWorkload.class);
        assertThat(outcome.status()).isEqualTo(Status.FAILED);
        assertThat(outcome.failure()).get().isExactlyInstanceOf(ExtensionConfigurationException.class);
        assertThat(outcome.message()).isEqualTo("The budgets on BudgetDiscoveryTest.OuterBudgetInnerWorkload"
                + " (@GcBudget(generation = 2, max = 0)) are about its workload 'app', but the tests of"
                + " BudgetDiscoveryTest.OuterBudgetInnerWorkload.OwnService record their own 'mine': put these budgets on"
                + " BudgetDiscoveryTest.OuterBudgetInnerWorkload.OwnService or its tests.");
    }
}

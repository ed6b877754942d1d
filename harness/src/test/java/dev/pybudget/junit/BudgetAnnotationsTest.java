package dev.pybudget.junit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pybudget.assertions.InconclusiveBudgetError;
import dev.pybudget.engine.LocalWorkload;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Test;
import org.junit.platform.engine.TestExecutionResult.Status;
import dev.pybudget.support.JUnitRun;

/**
 * Each budget annotation kept and exceeded on a real workload (python-fixtures/workloads/budget_service on this
 * host), run as a user's build runs it, with the failure message pinned.
 */
class BudgetAnnotationsTest {

    @PythonPerfTest
    static class TwoFullCollections {
        static final BudgetService service = new BudgetService(null);
        @Workload
        static LocalWorkload app = service.workload;

        @Test
        @GcBudget(generation = 2, max = 1)
        void checkout() throws Exception {
            service.get("gc=2&n=2");
        }
    }

    @PythonPerfTest
    static class OneFullCollection {
        static final BudgetService service = new BudgetService(null);
        @Workload
        static LocalWorkload app = service.workload;

        @Test
        @GcBudget(generation = 2, max = 1, window = "request")
        void checkout() throws Exception {
            service.get("gc=2&n=1");
        }
    }

    @Test
    void should_fail_a_gc_budget_that_is_exceeded() {
        JUnitRun.Outcome outcome = JUnitRun.single(TwoFullCollections.class);
        assertThat(outcome.status()).isEqualTo(Status.FAILED);
        assertThat(outcome.budgetMessage().replaceAll("pauses: .*", "pauses: <t>").replaceAll("\\d+ objects", "<n> objects"))
                .isEqualTo("""
                Expected at most 1 gen-2 collection, but there were 2:
                  collections: gen0 0, gen1 0, gen2 2; <n> objects collected
                  pauses: <t>""");
    }

    @Test
    void should_pass_a_gc_budget_that_is_kept() {
        assertThat(JUnitRun.single(OneFullCollection.class).status()).isEqualTo(Status.SUCCESSFUL);
    }

    @PythonPerfTest
    static class FirstImport {
        static final BudgetService service = new BudgetService(null);
        @Workload
        static LocalWorkload app = service.workload;

        @Test
        @NoImports(window = "request")
        void checkout() throws Exception {
            service.get("imp=colorsys");
        }
    }

    @PythonPerfTest
    static class SecondImport {
        static final BudgetService service = new BudgetService(null);
        @Workload
        static LocalWorkload app = service.workload;

        @Test
        @NoImports(window = "request")
        void checkout() throws Exception {
            service.get("imp=socket");
        }
    }

    @Test
    void should_fail_no_imports_naming_the_modules_and_their_time() {
        JUnitRun.Outcome outcome = JUnitRun.single(FirstImport.class);
        assertThat(outcome.status()).isEqualTo(Status.FAILED);
        assertThat(outcome.budgetMessage().replaceAll("\\d+(\\.\\d+)? (ms|µs)", "<t>")).isEqualTo("""
                Expected no imports in window 'request', but 1 module was imported (<t>):
                  colorsys <t>""");
    }

    @Test
    void should_pass_no_imports_when_the_module_was_imported_before() {
        // http.server, which budget_service imports at start-up, has imported socket: the request imports nothing.
        assertThat(JUnitRun.single(SecondImport.class).status()).isEqualTo(Status.SUCCESSFUL);
    }

    @PythonPerfTest
    static class TooManyParses {
        static final BudgetService service = new BudgetService("*/server.py:*");
        @Workload
        static LocalWorkload app = service.workload;

        @Test
        @MaxCalls(function = "*/server.py:parse", max = 100, window = "request")
        void checkout() throws Exception {
            service.get("calls=150");
        }
    }

    @PythonPerfTest
    static class HundredParses {
        static final BudgetService service = new BudgetService("*/server.py:*");
        @Workload
        static LocalWorkload app = service.workload;

        @Test
        @MaxCalls(function = "*/server.py:parse", max = 100, window = "request")
        void checkout() throws Exception {
            service.get("calls=100");
        }
    }

    @PythonPerfTest
    static class CallsNotCounted {
        static final BudgetService service = new BudgetService(null);
        @Workload
        static LocalWorkload app = service.workload;

        @Test
        @MaxCalls(function = "*/server.py:parse", max = 100)
        void checkout() throws Exception {
            service.get("calls=1");
        }
    }

    @Test
    void should_fail_a_call_budget_that_is_exceeded() {
        JUnitRun.Outcome outcome = JUnitRun.single(TooManyParses.class);
        assertThat(outcome.status()).isEqualTo(Status.FAILED);
        assertThat(outcome.budgetMessage().replaceAll("/[^ :]*/server.py", "<fixtures>/server.py")).isEqualTo("""
                Expected at most 100 calls of '*/server.py:parse' in window 'request', but there were 150:
                  150  <fixtures>/server.py:parse""");
    }

    @Test
    void should_pass_a_call_budget_that_is_kept() {
        assertThat(JUnitRun.single(HundredParses.class).status()).isEqualTo(Status.SUCCESSFUL);
    }

    @Test
    void should_fail_as_inconclusive_when_calls_were_not_counted() {
        JUnitRun.Outcome outcome = JUnitRun.single(CallsNotCounted.class);
        assertThat(outcome.status()).isEqualTo(Status.FAILED);
        assertThat(outcome.failure()).get().isInstanceOf(InconclusiveBudgetError.class);
        assertThat(outcome.message()).contains("calls were not counted: the trace had no call pattern");
    }

    /** A team's own budget, made of ours: usable as a meta-annotation. */
    @Target({ElementType.METHOD, ElementType.TYPE})
    @Retention(RetentionPolicy.RUNTIME)
    @GcBudget(generation = 2, max = 0, window = "request")
    @NoAudit(value = "socket.*", window = "request")
    @interface HotPath {}

    @PythonPerfTest
    static class HotPathOpensASocket {
        static final BudgetService service = new BudgetService(null);
        @Workload
        static LocalWorkload app = service.workload;

        @Test
        @HotPath
        void checkout() throws Exception {
            service.get("connect=1");
        }
    }

    @PythonPerfTest
    static class HotPathKept {
        static final BudgetService service = new BudgetService(null);
        @Workload
        static LocalWorkload app = service.workload;

        @Test
        @HotPath
        void checkout() throws Exception {
            service.get("gc=0&n=1");
        }
    }

    @Test
    void should_fail_a_meta_annotated_audit_budget() {
        JUnitRun.Outcome outcome = JUnitRun.single(HotPathOpensASocket.class);
        assertThat(outcome.status()).isEqualTo(Status.FAILED);
        assertThat(outcome.budgetMessage()).isEqualTo("""
                Expected no audit event 'socket.*' in window 'request', but there were 3:
                  1  socket.__new__
                  1  socket.connect
                  1  socket.getaddrinfo""");
    }

    @Test
    void should_pass_a_meta_annotated_budget_that_is_kept() {
        assertThat(JUnitRun.single(HotPathKept.class).status()).isEqualTo(Status.SUCCESSFUL);
    }
}

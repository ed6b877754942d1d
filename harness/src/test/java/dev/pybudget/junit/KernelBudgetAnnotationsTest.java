package dev.pybudget.junit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pybudget.assertions.InconclusiveBudgetError;
import dev.pybudget.engine.LocalWorkload;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.platform.engine.TestExecutionResult.Status;
import dev.pybudget.support.JUnitRun;

/**
 * {@link SyscallBudget} and {@link KernelBudget} kept and exceeded on python-fixtures/workloads/budget_service on this
 * host, run through the JUnit launcher as a user's build runs them, with the failure message pinned (times
 * and the counts CPython adds on its own replaced by placeholders).
 */
class KernelBudgetAnnotationsTest {

    /** Times, and every count on the evidence lines: what the HTTP server's own thread does varies. */
    private static String normalized(String message) {
        String[] lines = message.split("\n", 2);
        String evidence = lines.length < 2 ? "" : "\n" + lines[1].replaceAll("\\d+(\\.\\d+)? (ms|µs|ns)", "<t>")
                .replaceAll("\\d+", "<n>").replaceAll("\\(([a-z_0-9]+ <n>(, )?)+(, \\.\\.\\. <n> more)?\\)", "(<top syscalls>)");
        return lines[0].replaceAll("\\d+(\\.\\d+)? (ms|µs|ns)", "<t>") + evidence;
    }

    private static final String EVIDENCE = """
            Kernel: off-CPU <t> (runnable <t>, blocked <t>, <n> intervals); context switches: <n> voluntary, <n> involuntary; \
            page faults: <n> minor, <n> major
              syscalls: <n> (<top syscalls>)""";

    @PythonPerfTest
    static class TwentyStats {
        static final BudgetService service = new BudgetService(null);
        @Workload
        static LocalWorkload app = service.workload.withKernelContext(true);

        @Test
        @SyscallBudget(syscall = "newfstatat", max = 10, window = "request")
        void checkout() throws Exception {
            service.get("stat=20");
        }
    }

    @PythonPerfTest
    static class TenStats {
        static final BudgetService service = new BudgetService(null);
        @Workload
        static LocalWorkload app = service.workload.withKernelContext(true);

        @Test
        @SyscallBudget(syscall = "newfstatat", max = 10, window = "request")
        @SyscallBudget(syscall = "openat", max = 0, window = "request")
        void checkout() throws Exception {
            service.get("stat=10");
        }
    }

    @Test
    void should_fail_a_syscall_budget_that_is_exceeded_with_the_top_syscalls() {
        JUnitRun.Outcome outcome = JUnitRun.single(TwentyStats.class);
        assertThat(outcome.status()).isEqualTo(Status.FAILED);
        assertThat(outcome.budgetMessage()).contains("(newfstatat 20");
        assertThat(normalized(outcome.budgetMessage())).isEqualTo(
                "Expected at most 10 newfstatat syscalls in window 'request', but there were 20:\n" + EVIDENCE);
    }

    @Test
    void should_pass_a_syscall_budget_that_is_kept() {
        assertThat(JUnitRun.single(TenStats.class).status()).isEqualTo(Status.SUCCESSFUL);
    }

    @PythonPerfTest
    static class SleepyRequest {
        static final BudgetService service = new BudgetService(null);
        @Workload
        static LocalWorkload app = service.workload.withKernelContext(true);

        @Test
        @KernelBudget(offCpuBelowMillis = 50, window = "request")
        void checkout() throws Exception {
            service.get("sleep=0.1");
        }
    }

    @Test
    void should_fail_an_off_cpu_budget_with_the_runnable_and_blocked_split() {
        JUnitRun.Outcome outcome = JUnitRun.single(SleepyRequest.class);
        assertThat(outcome.status()).isEqualTo(Status.FAILED);
        assertThat(normalized(outcome.budgetMessage())).isEqualTo("Expected less than <t> off-CPU in window 'request', but it was"
                + " <t> (runnable <t>, blocked <t>):\n" + EVIDENCE);
        assertThat(outcome.budgetMessage()).startsWith("Expected less than 50.0 ms off-CPU");
    }

    @PythonPerfTest
    static class FaultingRequest {
        static final BudgetService service = new BudgetService(null);
        @Workload
        static LocalWorkload app = service.workload.withKernelContext(true);

        @Test
        @KernelBudget(maxMajorFaults = 0, window = "request")
        void checkout() throws Exception {
            service.get("touch=8");
        }
    }

    @PythonPerfTest
    static class TooManyMinorFaults {
        static final BudgetService service = new BudgetService(null);
        @Workload
        static LocalWorkload app = service.workload.withKernelContext(true);

        @Test
        @KernelBudget(maxMinorFaults = 3, window = "request")
        void checkout() throws Exception {
            service.get("touch=8");
        }
    }

    @Test
    void should_pass_no_major_faults_for_fresh_anonymous_memory_and_fail_its_minor_faults() {
        assertThat(JUnitRun.single(FaultingRequest.class).status()).isEqualTo(Status.SUCCESSFUL);
        JUnitRun.Outcome outcome = JUnitRun.single(TooManyMinorFaults.class);
        assertThat(outcome.status()).isEqualTo(Status.FAILED);
        // 8 MiB touched page by page: 2048 faults, or as few as 4 where transparent huge pages serve it.
        long faults = Long.parseLong(outcome.budgetMessage().replaceAll("(?s).*but there were (\\d+):.*", "$1"));
        assertThat(faults).isBetween(4L, 2048L + 64);
        assertThat(normalized(outcome.budgetMessage().replace("were " + faults + ":", "were N:"))).isEqualTo(
                "Expected at most 3 minor page faults in window 'request', but there were N:\n" + EVIDENCE);
    }

    @PythonPerfTest
    static class KernelNotRecorded {
        static final BudgetService service = new BudgetService(null);
        @Workload
        static LocalWorkload app = service.workload;

        @Test
        @KernelBudget(maxMajorFaults = 0)
        void checkout() throws Exception {
            service.get("stat=1");
        }
    }

    @Test
    void should_fail_as_inconclusive_when_the_workload_does_not_record_the_kernel_context() {
        JUnitRun.Outcome outcome = JUnitRun.single(KernelNotRecorded.class);
        assertThat(outcome.status()).isEqualTo(Status.FAILED);
        assertThat(outcome.failure()).get().isInstanceOf(InconclusiveBudgetError.class);
        assertThat(outcome.budgetMessage()).isEqualTo("Expected no major page faults, but the kernel context was not recorded (turn"
                + " it on with withKernelContext(true) on the workload or its TraceOptions; if it was on, the kernel had"
                + " not yet seen the workload run), so there is nothing to compare.");
    }

    @PythonPerfTest
    static class EmptyKernelBudget {
        @Test
        @KernelBudget
        void checkout() {}
    }

    @PythonPerfTest
    static class UnknownSyscall {
        @Test
        @SyscallBudget(syscall = "stat64", max = 1)
        void checkout() {}
    }

    @Test
    void should_reject_a_kernel_budget_without_a_budget_and_an_unknown_syscall_before_the_test_runs() {
        JUnitRun.Outcome empty = JUnitRun.single(EmptyKernelBudget.class);
        assertThat(empty.failure()).get().isInstanceOf(ExtensionConfigurationException.class);
        assertThat(empty.message()).isEqualTo("@KernelBudget sets no budget: give maxMajorFaults, maxMinorFaults,"
                + " maxContextSwitches or offCpuBelowMillis.");
        JUnitRun.Outcome unknown = JUnitRun.single(UnknownSyscall.class);
        assertThat(unknown.failure()).get().isInstanceOf(ExtensionConfigurationException.class);
        assertThat(unknown.message()).isEqualTo("@SyscallBudget: No syscall is named 'stat64' on this architecture (e.g."
                + " openat, newfstatat, read; see /usr/include/asm/unistd_64.h).");
    }
}

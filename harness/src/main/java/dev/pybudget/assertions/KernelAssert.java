package dev.pybudget.assertions;

import dev.pybudget.assertions.internal.KernelChecks;
import java.time.Duration;

/**
 * Kernel-context budgets: off-CPU time, context switches, page faults and syscalls of the workload's
 * threads, counted in the kernel. Reached with {@code assertThat(recording).kernel()} or
 * {@code .window(name).kernel()}; needs a trace with {@code TraceOptions.withKernelContext(true)}.
 */
public class KernelAssert extends AbstractBudgetAssert<KernelAssert, RecordingScope> {

    public KernelAssert(RecordingScope actual) {
        super(actual, KernelAssert.class);
    }

    /** No page fault that waited for I/O. */
    public KernelAssert hasNoMajorFaults() {
        isNotNull();
        return check(KernelChecks.noMajorFaults(actual));
    }

    public KernelAssert hasMajorFaultsAtMost(long max) {
        isNotNull();
        return check(KernelChecks.majorFaultsAtMost(actual, max));
    }

    public KernelAssert hasMinorFaultsAtMost(long max) {
        isNotNull();
        return check(KernelChecks.minorFaultsAtMost(actual, max));
    }

    /** At most {@code max} entries of the syscall {@code name}, as this architecture names it ("openat", "newfstatat"). */
    public KernelAssert hasSyscallsAtMost(String name, long max) {
        isNotNull();
        return check(KernelChecks.syscallsAtMost(actual, name, max));
    }

    /** At most {@code max} syscalls of any kind. */
    public KernelAssert hasSyscallsAtMost(long max) {
        isNotNull();
        return check(KernelChecks.syscallsAtMost(actual, max));
    }

    /** Less than {@code limit} switched out (waiting for a CPU or blocked). */
    public KernelAssert hasOffCpuBelow(Duration limit) {
        isNotNull();
        return check(KernelChecks.offCpuBelow(actual, limit));
    }

    /** At most {@code max} context switches, voluntary and involuntary. */
    public KernelAssert hasContextSwitchesAtMost(long max) {
        isNotNull();
        return check(KernelChecks.contextSwitchesAtMost(actual, max));
    }
}

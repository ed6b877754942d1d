package dev.pybudget.assertions.error;

import dev.pybudget.assertions.internal.Evidence;
import dev.pybudget.recording.KernelStats;
import org.assertj.core.error.BasicErrorMessageFactory;
import org.assertj.core.error.ErrorMessageFactory;

/** More time off the CPU than the budget allows, split into waiting for a CPU and blocked. */
public class ShouldHaveOffCpuBelow extends BasicErrorMessageFactory {

    /** "Expected less than 5.0 ms off-CPU in window 'request', but it was 104 ms (runnable 0 ns, blocked 104 ms):" and the kernel context. */
    public static ErrorMessageFactory shouldHaveOffCpuBelow(String budget, KernelStats kernel) {
        return new ShouldHaveOffCpuBelow("Expected %s, but it was %s (runnable %s, blocked %s):\n%s", unquotedString(budget),
                unquotedString(Evidence.duration(kernel.offCpuNanos())), unquotedString(Evidence.duration(kernel.offCpuRunnableNanos())),
                unquotedString(Evidence.duration(kernel.offCpuBlockedNanos())),
                unquotedString(KernelStats.describe(kernel, Evidence.MAX_COUNT_LINES)));
    }

    private ShouldHaveOffCpuBelow(String format, Object... arguments) {
        super(format, arguments);
    }
}

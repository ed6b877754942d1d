package dev.pybudget.assertions.error;

import dev.pybudget.assertions.internal.Evidence;
import dev.pybudget.recording.KernelStats;
import org.assertj.core.error.BasicErrorMessageFactory;
import org.assertj.core.error.ErrorMessageFactory;

/** More syscalls, page faults or context switches than the budget allows, with the scope's kernel context as evidence. */
public class ShouldHaveKernelCountAtMost extends BasicErrorMessageFactory {

    /**
     * "Expected at most 10 openat syscalls in window 'request', but there were 23:" and the kernel
     * context of the scope: off-CPU split, switches, faults and the most entered syscalls.
     */
    public static ErrorMessageFactory shouldHaveKernelCountAtMost(String budget, long actual, KernelStats kernel) {
        return new ShouldHaveKernelCountAtMost("Expected %s, but there %s:\n%s", unquotedString(budget),
                unquotedString(actual == 1 ? "was 1" : "were " + actual),
                unquotedString(KernelStats.describe(kernel, Evidence.MAX_COUNT_LINES)));
    }

    private ShouldHaveKernelCountAtMost(String format, Object... arguments) {
        super(format, arguments);
    }
}

package dev.pybudget.assertions;

import dev.pybudget.assertions.internal.KernelChecks;
import java.time.Duration;

/**
 * The kernel-context budgets as static checks.
 *
 * @deprecated moved to {@link KernelChecks} (the checks of each family live in {@code assertions.internal});
 *             use {@link KernelAssert} or the annotations
 */
@Deprecated
public final class KernelBudgets {
    private KernelBudgets() {}

    public static BudgetCheck syscallsAtMost(RecordingScope scope, String name, long max) {
        return KernelChecks.syscallsAtMost(scope, name, max);
    }

    public static BudgetCheck syscallsAtMost(RecordingScope scope, long max) {
        return KernelChecks.syscallsAtMost(scope, max);
    }

    public static BudgetCheck noMajorFaults(RecordingScope scope) {
        return KernelChecks.noMajorFaults(scope);
    }

    public static BudgetCheck majorFaultsAtMost(RecordingScope scope, long max) {
        return KernelChecks.majorFaultsAtMost(scope, max);
    }

    public static BudgetCheck minorFaultsAtMost(RecordingScope scope, long max) {
        return KernelChecks.minorFaultsAtMost(scope, max);
    }

    public static BudgetCheck contextSwitchesAtMost(RecordingScope scope, long max) {
        return KernelChecks.contextSwitchesAtMost(scope, max);
    }

    public static BudgetCheck offCpuBelow(RecordingScope scope, Duration limit) {
        return KernelChecks.offCpuBelow(scope, limit);
    }

    public static void requireSyscallName(String name) {
        KernelChecks.requireSyscallName(name);
    }
}

package dev.pybudget.assertions.internal;

import dev.pybudget.assertions.Budgets;
import dev.pybudget.assertions.BudgetCheck;
import dev.pybudget.assertions.RecordingScope;
import dev.pybudget.assertions.error.InconclusiveBudget;
import dev.pybudget.assertions.error.ShouldHaveKernelCountAtMost;
import dev.pybudget.assertions.error.ShouldHaveOffCpuBelow;
import dev.pybudget.engine.Syscalls;
import dev.pybudget.recording.KernelStats;
import java.time.Duration;
import java.util.function.Function;

/**
 * The kernel-context budgets (off-CPU time, context switches, page faults, syscalls) as static checks,
 * like {@code Budgets}: the AssertJ assertions ({@code KernelAssert}) and the annotations call these.
 * A scope whose kernel context was not recorded is inconclusive, never passed.
 *
 * @throws IllegalArgumentException for a negative budget, a non-positive duration, or a syscall name
 *         this architecture does not have
 */
public final class KernelChecks {
    private KernelChecks() {}

    /** At most {@code max} entries of the syscall {@code name} ("openat"), counted in the kernel. */
    public static BudgetCheck syscallsAtMost(RecordingScope scope, String name, long max) {
        requireSyscallName(name);
        FamilyChecks.requireNotNegative(max, "syscalls");
        String budget = (max == 0 ? "no " + name + " syscalls" : "at most " + Evidence.count(max, name + " syscall",
                name + " syscalls")) + scope.where();
        return decide(scope, budget, k -> {
            long n = k.syscalls(name);
            String measured = Evidence.count(n, name + " syscall", name + " syscalls");
            if (n > max) {
                return BudgetCheck.failed(budget, measured, ShouldHaveKernelCountAtMost.shouldHaveKernelCountAtMost(budget, n, k));
            }
            if (k.unnamedSyscalls() > 0) {
                return BudgetCheck.inconclusive(budget, measured, InconclusiveBudget.inconclusive(budget,
                        Evidence.count(k.unnamedSyscalls(), "syscall", "syscalls") + " had no room in the kernel's map to be"
                                + " counted by name, so some of them may have been " + name));
            }
            return BudgetCheck.passed(budget, measured);
        });
    }

    /** At most {@code max} syscalls of any kind. */
    public static BudgetCheck syscallsAtMost(RecordingScope scope, long max) {
        FamilyChecks.requireNotNegative(max, "syscalls");
        String budget = "at most " + Evidence.count(max, "syscall", "syscalls") + scope.where();
        return count(scope, budget, KernelStats::syscalls, max, "syscall", "syscalls");
    }

    /** No page fault that had to wait for I/O (ru_majflt). */
    public static BudgetCheck noMajorFaults(RecordingScope scope) {
        return majorFaultsAtMost(scope, 0);
    }

    public static BudgetCheck majorFaultsAtMost(RecordingScope scope, long max) {
        FamilyChecks.requireNotNegative(max, "major page faults");
        String budget = (max == 0 ? "no major page faults" : "at most " + Evidence.count(max, "major page fault",
                "major page faults")) + scope.where();
        return count(scope, budget, KernelStats::majorFaults, max, "major page fault", "major page faults");
    }

    public static BudgetCheck minorFaultsAtMost(RecordingScope scope, long max) {
        FamilyChecks.requireNotNegative(max, "minor page faults");
        String budget = "at most " + Evidence.count(max, "minor page fault", "minor page faults") + scope.where();
        return count(scope, budget, KernelStats::minorFaults, max, "minor page fault", "minor page faults");
    }

    /** At most {@code max} context switches, voluntary and involuntary together. */
    public static BudgetCheck contextSwitchesAtMost(RecordingScope scope, long max) {
        FamilyChecks.requireNotNegative(max, "context switches");
        String budget = "at most " + Evidence.count(max, "context switch", "context switches") + scope.where();
        return count(scope, budget, KernelStats::contextSwitches, max, "context switch", "context switches");
    }

    /** Less than {@code limit} off the CPU (switched out until switched back in), runnable and blocked together. */
    public static BudgetCheck offCpuBelow(RecordingScope scope, Duration limit) {
        if (limit == null || limit.isNegative() || limit.isZero()) {
            throw new IllegalArgumentException("An off-CPU budget must be a positive duration, got " + limit + ".");
        }
        long limitNanos = limit.toNanos();
        String budget = "less than " + Evidence.duration(limitNanos) + " off-CPU" + scope.where();
        return decide(scope, budget, k -> {
            String measured = Evidence.duration(k.offCpuNanos()) + " off-CPU";
            if (k.offCpuNanos() >= limitNanos) {
                return BudgetCheck.failed(budget, measured, ShouldHaveOffCpuBelow.shouldHaveOffCpuBelow(budget, k));
            }
            if (k.offCpuUnmatched() > 0) {
                return BudgetCheck.inconclusive(budget, measured, InconclusiveBudget.inconclusive(budget,
                        Evidence.count(k.offCpuUnmatched(), "context switch", "context switches") + " reached pybudget without"
                                + " its other half (the scheduler tracepoint did not deliver it), so the off-CPU time of "
                                + Evidence.duration(k.offCpuNanos()) + " is short by as many intervals"));
            }
            return BudgetCheck.passed(budget, measured);
        });
    }

    private static BudgetCheck count(RecordingScope scope, String budget, Function<KernelStats, Long> count, long max,
                                     String singular, String plural) {
        return decide(scope, budget, k -> {
            long n = count.apply(k);
            String measured = Evidence.count(n, singular, plural);
            return n <= max ? BudgetCheck.passed(budget, measured)
                    : BudgetCheck.failed(budget, measured, ShouldHaveKernelCountAtMost.shouldHaveKernelCountAtMost(budget, n, k));
        });
    }

    private static BudgetCheck decide(RecordingScope scope, String budget, Function<KernelStats, BudgetCheck> measure) {
        return FamilyChecks.decide(scope, budget, KernelStats.FAMILY, KernelStats.class, "kernel context",
                "the kernel context was not recorded (turn it on with withKernelContext(true) on the workload or its"
                        + " TraceOptions; if it was on, the kernel had not yet seen the workload run), so there is nothing"
                        + " to compare", measure);
    }

    /** @throws IllegalArgumentException for a name this architecture's syscall table does not have */
    public static void requireSyscallName(String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("A syscall name must not be null or empty.");
        }
        if (!Syscalls.names().isEmpty() && !Syscalls.names().contains(name)) {
            throw new IllegalArgumentException("No syscall is named '" + name + "' on this architecture (e.g. openat,"
                    + " newfstatat, read; see /usr/include/asm/unistd_64.h).");
        }
    }
}

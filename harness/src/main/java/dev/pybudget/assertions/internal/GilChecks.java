package dev.pybudget.assertions.internal;

import dev.pybudget.assertions.BudgetCheck;
import dev.pybudget.assertions.RecordingScope;
import dev.pybudget.assertions.error.InconclusiveBudget;
import dev.pybudget.assertions.error.ShouldHaveGilWaits;
import dev.pybudget.assertions.Verdict;
import dev.pybudget.recording.GilStats;
import dev.pybudget.recording.Loss;
import java.time.Duration;
import java.util.function.Function;

/**
 * The GIL-wait budgets as static checks: {@code GilAssert} and {@code @GilBudget} call these. A wait is a
 * contended acquisition (the thread slept inside take_gil, on the GIL another thread held or was taking):
 * the uncontended ones, about a microsecond after each blocking call, are not waits for another thread. A
 * scope whose GIL waits were not recorded is inconclusive, never passed.
 *
 * @throws IllegalArgumentException for a negative count or a non-positive duration
 */
public final class GilChecks {
    private GilChecks() {}

    /** At most {@code max} waits for the GIL. */
    public static BudgetCheck waitsAtMost(RecordingScope scope, long max) {
        FamilyChecks.requireNotNegative(max, "GIL waits");
        String budget = (max == 0 ? "no GIL waits" : "at most " + Evidence.count(max, "GIL wait", "GIL waits")) + scope.where();
        return decide(scope, budget, g -> {
            long n = g.contended().count();
            String measured = Evidence.count(n, "GIL wait", "GIL waits");
            return n <= max ? BudgetCheck.passed(budget, measured)
                    : BudgetCheck.failed(budget, measured, ShouldHaveGilWaits.shouldHaveWaitsAtMost(budget, n, g));
        });
    }

    /** Every wait for the GIL shorter than {@code limit}; the maximum is exact. */
    public static BudgetCheck maxWaitBelow(RecordingScope scope, Duration limit) {
        long limitNanos = FamilyChecks.requirePositive(limit);
        String budget = "no GIL wait of " + Evidence.duration(limitNanos) + " or more" + scope.where();
        return decide(scope, budget, g -> {
            long max = g.contended().max();
            String measured = g.contended().count() == 0 ? "no GIL waits" : "longest GIL wait " + Evidence.duration(max);
            return max < limitNanos ? BudgetCheck.passed(budget, measured)
                    : BudgetCheck.failed(budget, measured, ShouldHaveGilWaits.shouldHaveMaxWaitBelow(budget, g));
        });
    }

    /**
     * The 99th percentile of the waits for the GIL below {@code limit}. As for collection pauses, the waits are a
     * log2 histogram: the p99 lies in one bucket [2^b, 2^(b+1)) ns capped by the exact maximum; it passes when the
     * whole bucket is below the limit, fails when it is at or above, and is inconclusive when the limit is inside.
     */
    public static BudgetCheck p99WaitBelow(RecordingScope scope, Duration limit) {
        long limitNanos = FamilyChecks.requirePositive(limit);
        String budget = "a p99 GIL wait below " + Evidence.duration(limitNanos) + scope.where();
        return decide(scope, budget, g -> {
            return HistogramChecks.p99Below(budget, g.contended(), limitNanos, "GIL wait", "no GIL waits",
                    "histogram of GIL waits", "wait", (low, high) -> ShouldHaveGilWaits.shouldHaveP99WaitBelow(budget, low, high, g));
        });
    }

    private static BudgetCheck decide(RecordingScope scope, String budget, Function<GilStats, BudgetCheck> measure) {
        return FamilyChecks.decide(scope, budget, GilStats.FAMILY, GilStats.class, "GIL waits",
                "the GIL waits were not recorded (turn them on with withGilWaits(true) on the workload or its"
                        + " TraceOptions), so there is nothing to compare", g -> {
                    BudgetCheck check = measure.apply(g);
                    long unpaired = scope.recording().losses().get(Loss.GIL_UNPAIRED);
                    if (check.verdict() != Verdict.PASSED || unpaired == 0) {
                        return check;
                    }
                    return BudgetCheck.inconclusive(budget, check.measured(), InconclusiveBudget.inconclusive(budget,
                            Evidence.count(unpaired, "acquisition", "acquisitions") + " of the GIL in the recording went"
                                    + " unmeasured (a take_gil return without its entry, or a thread that ended inside"
                                    + " take_gil), and a wait among them could break it"));
                });
    }
}

package dev.pybudget.assertions.internal;

import dev.pybudget.assertions.BudgetCheck;
import dev.pybudget.assertions.RecordingScope;
import dev.pybudget.assertions.error.InconclusiveBudget;
import dev.pybudget.assertions.error.ShouldHaveCollectedAtMost;
import dev.pybudget.assertions.error.ShouldHaveCollectionsAtMost;
import dev.pybudget.assertions.error.ShouldHavePausesBelow;
import dev.pybudget.recording.GcStats;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** The gc family's budgets: collections per generation, pauses, objects collected. */
public final class GcChecks {
    private GcChecks() {}

    /** At most {@code max} collections of one generation: 0, 1 or 2 (gc__start, exact). */
    public static BudgetCheck gcCollectionsAtMost(RecordingScope scope, int generation, long max) {
        FamilyChecks.requireGeneration(generation);
        FamilyChecks.requireNotNegative(max, "collections");
        String what = "gen-" + generation + " collection";
        String budget = (max == 0 ? "no " + what + "s" : "at most " + Evidence.count(max, what, what + "s")) + scope.where();
        return collections(scope, budget, gc -> gc.collections(generation), max, what);
    }

    /** No collection of one generation at all. */
    public static BudgetCheck noGcCollections(RecordingScope scope, int generation) {
        return gcCollectionsAtMost(scope, generation, 0);
    }

    /** At most {@code max} collections, all generations together. */
    public static BudgetCheck gcCollectionsAtMost(RecordingScope scope, long max) {
        FamilyChecks.requireNotNegative(max, "collections");
        String budget = (max == 0 ? "no collections" : "at most " + Evidence.count(max, "collection", "collections"))
                + " (all generations)" + scope.where();
        return collections(scope, budget, GcStats::totalCollections, max, "collection");
    }

    private static BudgetCheck collections(RecordingScope scope, String budget,
                                           java.util.function.ToLongFunction<GcStats> count, long max, String what) {
        return FamilyChecks.decide(scope, budget, List.of(FamilyChecks.GC_PROBE), "collections", () -> {
            GcStats gc = scope.sections().gc();
            long n = count.applyAsLong(gc);
            String measured = Evidence.count(n, what, what + "s");
            return n <= max ? BudgetCheck.passed(budget, measured)
                    : BudgetCheck.failed(budget, measured, ShouldHaveCollectionsAtMost.shouldHaveCollectionsAtMost(budget, n, gc));
        });
    }

    /** Every collection pause (gc__start to gc__done) shorter than {@code limit}; the maximum is exact. */
    public static BudgetCheck gcMaxPauseBelow(RecordingScope scope, Duration limit) {
        long limitNanos = FamilyChecks.requirePositive(limit);
        String budget = "no collection pause of " + Evidence.duration(limitNanos) + " or more" + scope.where();
        return FamilyChecks.decide(scope, budget, List.of(FamilyChecks.GC_PROBE, FamilyChecks.GC_DONE_PROBE), "pauses", () -> {
            GcStats gc = scope.sections().gc();
            Optional<BudgetCheck> unpaired = unpaired(scope, budget, "pauses are missing from the statistics");
            if (unpaired.isPresent()) {
                return unpaired.get();
            }
            long max = gc.pauseNanos().max();
            String measured = gc.pauseNanos().count() == 0 ? "no pauses" : "longest pause " + Evidence.duration(max);
            return max < limitNanos ? BudgetCheck.passed(budget, measured)
                    : BudgetCheck.failed(budget, measured, ShouldHavePausesBelow.shouldHaveMaxPauseBelow(budget, gc));
        });
    }

    /**
     * The 99th percentile of collection pauses below {@code limit}. The pauses are kept as a log2
     * histogram, so the p99 is known to lie in one bucket [2^b, 2^(b+1)) ns, capped by the exact
     * maximum: it passes when the whole bucket is below the limit, fails when the whole bucket is
     * at or above it, and is inconclusive when the limit falls inside the bucket.
     */
    public static BudgetCheck gcP99PauseBelow(RecordingScope scope, Duration limit) {
        long limitNanos = FamilyChecks.requirePositive(limit);
        String budget = "a p99 collection pause below " + Evidence.duration(limitNanos) + scope.where();
        return FamilyChecks.decide(scope, budget, List.of(FamilyChecks.GC_PROBE, FamilyChecks.GC_DONE_PROBE), "pauses", () -> {
            GcStats gc = scope.sections().gc();
            Optional<BudgetCheck> unpaired = unpaired(scope, budget, "pauses are missing from the statistics");
            if (unpaired.isPresent()) {
                return unpaired.get();
            }
            return HistogramChecks.p99Below(budget, gc.pauseNanos(), limitNanos, "pause", "no pauses", "pause histogram",
                    "pause", (low, high) -> ShouldHavePausesBelow.shouldHaveP99PauseBelow(budget, low, high, gc));
        });
    }

    /** At most {@code max} objects collected (gc__done's count, exact). */
    public static BudgetCheck gcCollectedAtMost(RecordingScope scope, long max) {
        FamilyChecks.requireNotNegative(max, "objects collected");
        String budget = "at most " + Evidence.count(max, "object", "objects") + " collected" + scope.where();
        return FamilyChecks.decide(scope, budget, List.of(FamilyChecks.GC_PROBE, FamilyChecks.GC_DONE_PROBE), "collected objects", () -> {
            GcStats gc = scope.sections().gc();
            Optional<BudgetCheck> unpaired = unpaired(scope, budget, "the count of objects collected is short");
            if (unpaired.isPresent()) {
                return unpaired.get();
            }
            String measured = Evidence.count(gc.collected(), "object", "objects") + " collected";
            return gc.collected() <= max ? BudgetCheck.passed(budget, measured)
                    : BudgetCheck.failed(budget, measured, ShouldHaveCollectedAtMost.shouldHaveCollectedAtMost(budget, gc));
        });
    }

    /**
     * A collection whose start or end was not seen: a gc__done with no gc__start on its thread (its
     * pause and count were not recorded), or, in this scope, a collection that started and never
     * ended (the process exited or was stopped inside it, or it still ran when the counters were
     * read): each collection that ends has one pause in the scopes it was counted in, so more
     * collections than pauses are collections without an end.
     */
    private static Optional<BudgetCheck> unpaired(RecordingScope scope, String budget, String consequence) {
        GcStats gc = scope.sections().gc();
        long unended = gc.totalCollections() - gc.pauseNanos().count();
        if (unended > 0) {
            return Optional.of(BudgetCheck.inconclusive(budget, Evidence.count(unended, "collection", "collections")
                            + " without an end",
                    InconclusiveBudget.inconclusive(budget, Evidence.count(unended, "collection", "collections") + " of "
                            + gc.totalCollections() + " started" + scope.where() + " and never ended (the process exited or"
                            + " was stopped inside it, or it still ran when the counters were read), so " + consequence)));
        }
        long unpaired = scope.recording().losses().gcUnpaired();
        if (unpaired == 0) {
            return Optional.empty();
        }
        return Optional.of(BudgetCheck.inconclusive(budget, Evidence.count(unpaired, "unpaired collection", "unpaired collections"),
                InconclusiveBudget.inconclusive(budget, Evidence.count(unpaired, "collection", "collections")
                        + " ended without a recorded start, so " + consequence)));
    }
}

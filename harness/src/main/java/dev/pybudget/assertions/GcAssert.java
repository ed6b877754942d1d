package dev.pybudget.assertions;

import dev.pybudget.assertions.internal.GcChecks;
import java.time.Duration;

/**
 * Garbage-collection budgets: collections per generation and in all (exact counts from gc__start),
 * objects collected, pauses. Reached with {@code assertThat(recording).gc()} or
 * {@code .window(name).gc()}.
 */
public class GcAssert extends AbstractBudgetAssert<GcAssert, RecordingScope> {

    public GcAssert(RecordingScope actual) {
        super(actual, GcAssert.class);
    }

    /** At most {@code max} collections of {@code generation} (0, 1 or 2). */
    public GcAssert hasCollectionsAtMost(int generation, long max) {
        isNotNull();
        return check(GcChecks.gcCollectionsAtMost(actual, generation, max));
    }

    /** No collection of {@code generation} (0, 1 or 2). */
    public GcAssert hasNoCollections(int generation) {
        isNotNull();
        return check(GcChecks.noGcCollections(actual, generation));
    }

    /** At most {@code max} collections, all generations together. */
    public GcAssert hasCollectionsAtMost(long max) {
        isNotNull();
        return check(GcChecks.gcCollectionsAtMost(actual, max));
    }

    /** Every pause shorter than {@code limit} (the maximum is exact). */
    public GcAssert hasMaxPauseBelow(Duration limit) {
        isNotNull();
        return check(GcChecks.gcMaxPauseBelow(actual, limit));
    }

    /** The 99th percentile pause below {@code limit}, at the log2 histogram's resolution (see {@link Budgets#gcP99PauseBelow}). */
    public GcAssert hasP99PauseBelow(Duration limit) {
        isNotNull();
        return check(GcChecks.gcP99PauseBelow(actual, limit));
    }

    /** At most {@code max} objects freed by the collector. */
    public GcAssert hasCollectedAtMost(long max) {
        isNotNull();
        return check(GcChecks.gcCollectedAtMost(actual, max));
    }
}

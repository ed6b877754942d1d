package dev.pybudget.assertions;

import dev.pybudget.assertions.internal.GilChecks;
import java.time.Duration;

/**
 * GIL budgets: the waits of the workload's threads for the GIL another thread held, timed in the kernel on
 * CPython's take_gil. Reached with {@code assertThat(recording).gil()} or {@code .window(name).gil()}; needs a
 * trace with {@code TraceOptions.withGilWaits(true)} (or {@code withGilWaits(true)} on the workload).
 */
public class GilAssert extends AbstractBudgetAssert<GilAssert, RecordingScope> {

    public GilAssert(RecordingScope actual) {
        super(actual, GilAssert.class);
    }

    /** The 99th percentile of the waits below {@code limit} (from the log2 histogram: see {@link GilChecks#p99WaitBelow}). */
    public GilAssert hasP99WaitBelow(Duration limit) {
        isNotNull();
        return check(GilChecks.p99WaitBelow(actual, limit));
    }

    /** Every wait shorter than {@code limit}. */
    public GilAssert hasMaxWaitBelow(Duration limit) {
        isNotNull();
        return check(GilChecks.maxWaitBelow(actual, limit));
    }

    /** At most {@code max} waits. */
    public GilAssert hasWaitsAtMost(long max) {
        isNotNull();
        return check(GilChecks.waitsAtMost(actual, max));
    }
}

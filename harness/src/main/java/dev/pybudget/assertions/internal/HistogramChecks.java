package dev.pybudget.assertions.internal;

import dev.pybudget.assertions.BudgetCheck;
import dev.pybudget.assertions.error.InconclusiveBudget;
import dev.pybudget.recording.PauseStats;
import java.util.List;
import java.util.function.BiFunction;
import org.assertj.core.error.ErrorMessageFactory;

/**
 * Verdicts on a log2 histogram of durations (collection pauses, GIL waits): the p99 is known to lie in one bucket
 * [2^b, 2^(b+1)) ns, capped by the exact maximum.
 */
final class HistogramChecks {
    private HistogramChecks() {}

    /**
     * The p99 of {@code p} below {@code limitNanos}: passed when the whole bucket is below the limit, failed when the
     * whole bucket is at or above it, inconclusive when the limit falls inside the bucket.
     *
     * @param what      one duration, as the measured text names it: "pause", "GIL wait"
     * @param none      the measured text when there is none: "no pauses"
     * @param histogram the histogram, as the inconclusive reason names it: "pause histogram"
     * @param longest   one duration after "the longest": "pause", "wait"
     * @param failure   the message factory of a failure, given the bucket's low and (exclusive) high bound
     */
    static BudgetCheck p99Below(String budget, PauseStats p, long limitNanos, String what, String none, String histogram,
                                String longest, BiFunction<Long, Long, ErrorMessageFactory> failure) {
        if (p.count() == 0) {
            return BudgetCheck.passed(budget, none);
        }
        int bucket = p99Bucket(p);
        long low = Math.min(Evidence.bucketLow(bucket), p.max());
        long high = Math.min(Evidence.bucketHigh(bucket) - 1, p.max());
        String measured = "p99 " + what + " in [" + Evidence.duration(low) + ", " + Evidence.duration(high) + "]";
        if (high < limitNanos) {
            return BudgetCheck.passed(budget, measured);
        }
        if (low >= limitNanos) {
            return BudgetCheck.failed(budget, measured, failure.apply(low, Evidence.bucketHigh(bucket)));
        }
        return BudgetCheck.inconclusive(budget, measured, InconclusiveBudget.inconclusive(budget,
                "the " + histogram + " only tells that the p99 lies between " + Evidence.duration(low) + " and "
                        + Evidence.duration(high) + " (its log2 bucket, capped by the longest " + longest + "), which holds "
                        + Evidence.duration(limitNanos) + ", so it cannot be compared; the longest " + longest
                        + ", which is exact, took " + Evidence.duration(p.max())));
    }

    /** The bucket the 99th percentile falls in, ranked as {@link PauseStats} ranks it. */
    static int p99Bucket(PauseStats p) {
        long rank = (long) Math.ceil(0.99 * p.count());
        long seen = 0;
        List<Long> h = p.log2Histogram();
        for (int b = 0; b < h.size(); b++) {
            seen += h.get(b);
            if (seen >= rank) {
                return b;
            }
        }
        return h.size() - 1;
    }
}

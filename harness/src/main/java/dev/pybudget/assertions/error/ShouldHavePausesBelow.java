package dev.pybudget.assertions.error;

import dev.pybudget.assertions.internal.Evidence;
import dev.pybudget.recording.GcStats;
import org.assertj.core.error.BasicErrorMessageFactory;
import org.assertj.core.error.ErrorMessageFactory;

/** Collection pauses over the budget, with the collections and the pause histogram. */
public class ShouldHavePausesBelow extends BasicErrorMessageFactory {

    /** "Expected no collection pause of 5.0 ms or more, but the longest took 23.5 ms:" and the evidence. */
    public static ErrorMessageFactory shouldHaveMaxPauseBelow(String budget, GcStats gc) {
        return new ShouldHavePausesBelow("Expected %s, but the longest took %s:\n%s\n%s", unquotedString(budget),
                unquotedString(Evidence.duration(gc.pauseNanos().max())), unquotedString(Evidence.collections(gc)),
                unquotedString(Evidence.pauseHistogram(gc.pauseNanos())));
    }

    /** The p99's histogram bucket starts at or above the budget, so the p99 is over it for certain. */
    public static ErrorMessageFactory shouldHaveP99PauseBelow(String budget, long bucketLowNanos, long bucketHighNanos,
                                                              GcStats gc) {
        return new ShouldHavePausesBelow("Expected %s, but it was at least %s (its histogram bucket is [%s, %s)):\n%s\n%s",
                unquotedString(budget), unquotedString(Evidence.duration(bucketLowNanos)),
                unquotedString(Evidence.duration(bucketLowNanos)), unquotedString(Evidence.duration(bucketHighNanos)),
                unquotedString(Evidence.collections(gc)), unquotedString(Evidence.pauseHistogram(gc.pauseNanos())));
    }

    private ShouldHavePausesBelow(String format, Object... arguments) {
        super(format, arguments);
    }
}

package dev.pybudget.assertions.error;

import dev.pybudget.assertions.internal.Evidence;
import dev.pybudget.recording.GilStats;
import dev.pybudget.recording.PauseStats;
import java.util.List;
import java.util.Locale;
import org.assertj.core.error.BasicErrorMessageFactory;
import org.assertj.core.error.ErrorMessageFactory;

/** More or longer waits for the GIL than the budget allows, with the waits and their histogram as evidence. */
public class ShouldHaveGilWaits extends BasicErrorMessageFactory {

    /** "Expected at most 3 GIL waits in window 'spin-0', but there were 104:" and the evidence. */
    public static ErrorMessageFactory shouldHaveWaitsAtMost(String budget, long waits, GilStats gil) {
        return new ShouldHaveGilWaits("Expected %s, but there were %s:\n%s", unquotedString(budget),
                unquotedString(Long.toString(waits)), unquotedString(evidence(gil)));
    }

    /** "Expected no GIL wait of 5.000 ms or more, but the longest took 12.918 ms:" and the evidence. */
    public static ErrorMessageFactory shouldHaveMaxWaitBelow(String budget, GilStats gil) {
        return new ShouldHaveGilWaits("Expected %s, but the longest took %s:\n%s", unquotedString(budget),
                unquotedString(Evidence.duration(gil.contended().max())), unquotedString(evidence(gil)));
    }

    /** The p99's histogram bucket starts at or above the budget, so the p99 is over it for certain. */
    public static ErrorMessageFactory shouldHaveP99WaitBelow(String budget, long bucketLowNanos, long bucketHighNanos, GilStats gil) {
        return new ShouldHaveGilWaits("Expected %s, but it was at least %s (its histogram bucket is [%s, %s)):\n%s",
                unquotedString(budget), unquotedString(Evidence.duration(bucketLowNanos)),
                unquotedString(Evidence.duration(bucketLowNanos)), unquotedString(Evidence.duration(bucketHighNanos)),
                unquotedString(evidence(gil)));
    }

    /** The waits and every acquisition in one line, then the histogram of the waits. */
    static String evidence(GilStats gil) {
        StringBuilder out = new StringBuilder("  " + GilStats.describe(gil));
        PauseStats p = gil.contended();
        if (p.count() > 0) {
            out.append("\n  GIL wait histogram:");
            List<Long> h = p.log2Histogram();
            for (int b = 0; b < h.size(); b++) {
                if (h.get(b) > 0) {
                    out.append(String.format(Locale.ROOT, "\n    [%s, %s)  %d", Evidence.duration(Evidence.bucketLow(b)),
                            Evidence.duration(Evidence.bucketHigh(b)), h.get(b)));
                }
            }
        }
        return out.toString();
    }

    private ShouldHaveGilWaits(String format, Object... arguments) {
        super(format, arguments);
    }
}

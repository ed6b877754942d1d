package dev.pybudget.assertions;

import dev.pybudget.assertions.internal.Evidence;
import java.time.Duration;
import java.util.Locale;

/**
 * How far a metric may rise above its baseline before it is a regression: an absolute amount, a
 * fraction of the baseline value, or both (the larger allowance wins). Decreases are never
 * regressions. Counts default to {@link #NONE}: they are deterministic.
 *
 * @param absolute allowed rise in the metric's unit (a count, or nanoseconds for times)
 * @param fraction allowed rise as a fraction of the baseline value (0.1 for 10%)
 */
public record Tolerance(long absolute, double fraction) {

    public static final Tolerance NONE = new Tolerance(0, 0);

    public Tolerance {
        if (absolute < 0 || fraction < 0 || Double.isNaN(fraction) || Double.isInfinite(fraction)) {
            throw new IllegalArgumentException("A tolerance must not be negative, got " + absolute + " and " + fraction + ".");
        }
    }

    /** Up to {@code n} more than the baseline. */
    public static Tolerance absolute(long n) {
        return new Tolerance(n, 0);
    }

    /** Up to {@code percent}% more than the baseline. */
    public static Tolerance percent(double percent) {
        return new Tolerance(0, percent / 100);
    }

    /** Up to {@code d} longer than the baseline: for time metrics (pauses, import time). */
    public static Tolerance of(Duration d) {
        if (d == null || d.isNegative()) {
            throw new IllegalArgumentException("A time tolerance must not be null or negative, got " + d + ".");
        }
        return new Tolerance(d.toNanos(), 0);
    }

    /** The highest value that is not a regression against {@code baseline}. */
    public long allowed(long baseline) {
        long relative = (long) Math.floor(baseline * fraction);
        long rise = Math.max(absolute, relative);
        return baseline > Long.MAX_VALUE - rise ? Long.MAX_VALUE : baseline + rise;
    }

    /** "0", "3", "10%", "2 or 10%"; times through {@code time}. */
    public String describe(boolean time) {
        String abs = time ? Evidence.duration(absolute) : Long.toString(absolute);
        String rel = String.format(Locale.ROOT, "%s%%", new java.math.BigDecimal(Double.toString(fraction * 100))
                .stripTrailingZeros().toPlainString());
        if (fraction == 0) {
            return abs;
        }
        return absolute == 0 ? rel : abs + " or " + rel;
    }
}

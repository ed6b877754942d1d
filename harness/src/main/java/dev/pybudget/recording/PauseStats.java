package dev.pybudget.recording;

import java.time.Duration;
import java.util.List;

/**
 * Collection pauses (gc__start to gc__done on one thread). {@code max} is exact; the
 * percentiles come from the log2 histogram, so each is the upper bound of its bucket
 * (bucket b holds pauses in [2^b, 2^(b+1)) ns), never below the true value.
 */
public record PauseStats(long count, long max, long p50, long p99, long totalNanos, List<Long> log2Histogram) {

    public PauseStats {
        log2Histogram = List.copyOf(log2Histogram);
    }

    public static PauseStats fromHistogram(long max, long totalNanos, List<Long> histogram) {
        long count = histogram.stream().mapToLong(Long::longValue).sum();
        return new PauseStats(count, max, percentile(histogram, count, max, 0.50),
                percentile(histogram, count, max, 0.99), totalNanos, histogram);
    }

    private static long percentile(List<Long> histogram, long count, long max, double q) {
        if (count == 0) {
            return 0;
        }
        long rank = (long) Math.ceil(q * count);
        long seen = 0;
        for (int b = 0; b < histogram.size(); b++) {
            seen += histogram.get(b);
            if (seen >= rank) {
                long upper = b >= 62 ? Long.MAX_VALUE : (1L << (b + 1)) - 1;
                return Math.min(upper, max);
            }
        }
        return max;
    }

    /** Both together: two slots of one scope. */
    public PauseStats plus(PauseStats b) {
        List<Long> histogram = new java.util.ArrayList<>();
        for (int i = 0; i < Math.max(log2Histogram.size(), b.log2Histogram.size()); i++) {
            histogram.add(bucket(this, i) + bucket(b, i));
        }
        return fromHistogram(Math.max(max, b.max), totalNanos + b.totalNanos, histogram);
    }

    /**
     * What happened after {@code earlier}, a reading of the same scope. The kernel keeps one running maximum:
     * when it grew, the new maximum happened in between; otherwise the highest bucket left bounds it.
     */
    public PauseStats minus(PauseStats earlier) {
        List<Long> histogram = new java.util.ArrayList<>();
        int highest = -1;
        for (int i = 0; i < Math.max(log2Histogram.size(), earlier.log2Histogram.size()); i++) {
            long n = bucket(this, i) - bucket(earlier, i);
            histogram.add(n);
            if (n > 0) {
                highest = i;
            }
        }
        long newMax = max > earlier.max ? max
                : highest < 0 ? 0 : Math.min(max, highest >= 62 ? Long.MAX_VALUE : (1L << (highest + 1)) - 1);
        return fromHistogram(newMax, totalNanos - earlier.totalNanos, histogram);
    }

    private static long bucket(PauseStats p, int i) {
        return i < p.log2Histogram.size() ? p.log2Histogram.get(i) : 0;
    }

    public Duration maxDuration() {
        return Duration.ofNanos(max);
    }

    public Duration p99Duration() {
        return Duration.ofNanos(p99);
    }
}

package dev.pybudget.recording;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Waits for the GIL in one scope, timed in the kernel from entry to return of CPython's internal
 * {@code take_gil} on the waiting thread (it counts in the scopes open on that thread; a Java window
 * holds every thread).
 *
 * @param waits     every acquisition: take_gil is entered on each, also when the GIL is free (after a
 *                  blocking call); those return in about a microsecond
 * @param contended the acquisitions whose take_gil was entered while another thread of the workload held
 *                  the GIL or was itself inside take_gil: the waits another thread caused. A single-threaded
 *                  workload has none, by construction
 */
public record GilStats(PauseStats waits, PauseStats contended) {

    public static final GilStats NOTHING = new GilStats(empty(), empty());

    private static PauseStats empty() {
        return PauseStats.fromHistogram(0, 0, new ArrayList<>(java.util.Collections.nCopies(40, 0L)));
    }

    /** Both together: two slots of one window (opened from Python and from Java) add up. */
    public GilStats plus(GilStats o) {
        return new GilStats(add(waits, o.waits), add(contended, o.contended));
    }

    private static PauseStats add(PauseStats a, PauseStats b) {
        List<Long> sum = new ArrayList<>();
        int n = Math.max(a.log2Histogram().size(), b.log2Histogram().size());
        for (int i = 0; i < n; i++) {
            sum.add(at(a.log2Histogram(), i) + at(b.log2Histogram(), i));
        }
        return PauseStats.fromHistogram(Math.max(a.max(), b.max()), a.totalNanos() + b.totalNanos(), sum);
    }

    private static long at(List<Long> list, int i) {
        return i < list.size() ? list.get(i) : 0;
    }

    /**
     * One line a person reads, in reports and failure messages: "GIL: 212 waits, 101 contended (p50 4.194 ms,
     * p99 8.389 ms, max 9.120 ms, total 502.310 ms)".
     */
    public static String describe(GilStats g) {
        PauseStats c = g.contended();
        return String.format(Locale.ROOT, "GIL: %d waits (p99 %s, max %s, total %s), %d contended (p50 %s, p99 %s, max %s,"
                        + " total %s)", g.waits().count(), millis(g.waits().p99()), millis(g.waits().max()),
                millis(g.waits().totalNanos()), c.count(), millis(c.p50()), millis(c.p99()), millis(c.max()), millis(c.totalNanos()));
    }

    /** The log2 histogram of the contended waits as lines "[2^b, 2^(b+1)) ns: n", non-empty buckets only. */
    public static String histogram(PauseStats p) {
        StringBuilder s = new StringBuilder();
        List<Long> h = p.log2Histogram();
        for (int b = 0; b < h.size(); b++) {
            if (h.get(b) > 0) {
                s.append(String.format(Locale.ROOT, "  [%s, %s): %d%n", millis(1L << b), millis(1L << (b + 1)), h.get(b)));
            }
        }
        return s.toString();
    }

    private static String millis(long nanos) {
        return String.format(Locale.ROOT, "%.3f ms", nanos / 1e6);
    }
}

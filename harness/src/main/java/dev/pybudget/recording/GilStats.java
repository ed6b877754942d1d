package dev.pybudget.recording;

import java.util.List;
import java.util.Optional;

/**
 * Waits for the GIL in one scope, timed in the kernel from entry to return of CPython's internal
 * {@code take_gil} on the waiting thread (a wait counts in the scopes open on that thread; a Java window
 * holds every thread). Each is in the shape of gc's pauses: count, max (exact), p50 and p99 (upper bounds of
 * their log2 bucket), total and the log2 histogram.
 *
 * @param waits     every acquisition: take_gil is entered on each, also when the GIL is free (after a
 *                  blocking call); those return in about a microsecond
 * @param contended the acquisitions whose thread slept inside take_gil (its voluntary context switches grew):
 *                  take_gil sleeps only on the GIL's mutex or condition variable, while another thread holds
 *                  the GIL or takes it, so these are the waits another thread caused. A single-threaded workload
 *                  has none
 */
public record GilStats(PauseStats waits, PauseStats contended) implements Section<GilStats> {

    /** The GIL family's name: its key in {@link Sections#families()} and its field in the JSON report. */
    public static final String FAMILY = "gil";

    /** No acquisition. */
    public static final GilStats NOTHING = new GilStats(PauseStats.fromHistogram(0, 0, List.of()),
            PauseStats.fromHistogram(0, 0, List.of()));

    /** The GIL waits of {@code scope}; empty when they were not recorded (TraceOptions.withGilWaits). */
    public static Optional<GilStats> in(Sections scope) {
        return scope.section(FAMILY, GilStats.class);
    }

    @Override
    public GilStats plus(GilStats o) {
        return new GilStats(waits.plus(o.waits), contended.plus(o.contended));
    }

    @Override
    public GilStats minus(GilStats earlier) {
        return new GilStats(waits.minus(earlier.waits), contended.minus(earlier.contended));
    }

    @Override
    public boolean isEmpty() {
        return waits.count() == 0;
    }

    /**
     * One line a person reads, in reports and failure messages: "GIL: 212 waits (p99 0.008 ms, max 9.120 ms, total
     * 502.310 ms), 101 contended (p50 8.389 ms, p99 8.389 ms, max 9.120 ms, total 500.100 ms)".
     */
    public static String describe(GilStats g) {
        PauseStats c = g.contended();
        return ReportText.format("GIL: %d waits (p99 %s, max %s, total %s), %d contended (p50 %s, p99 %s, max %s,"
                        + " total %s)", g.waits().count(), ReportText.millis(g.waits().p99()), ReportText.millis(g.waits().max()),
                ReportText.millis(g.waits().totalNanos()), c.count(), ReportText.millis(c.p50()), ReportText.millis(c.p99()), ReportText.millis(c.max()), ReportText.millis(c.totalNanos()));
    }

    /** A log2 histogram as lines "  [1.049 ms, 2.097 ms): 12", non-empty buckets only: the evidence of a failed budget. */
    public static String histogram(PauseStats p) {
        StringBuilder s = new StringBuilder();
        List<Long> h = p.log2Histogram();
        for (int b = 0; b < h.size(); b++) {
            if (h.get(b) > 0) {
                s.append(ReportText.format("%n  [%s, %s): %d", ReportText.millis(1L << b), ReportText.millis(1L << (b + 1)), h.get(b)));
            }
        }
        return s.toString();
    }
}

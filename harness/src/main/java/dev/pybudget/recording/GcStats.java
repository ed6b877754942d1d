package dev.pybudget.recording;

import java.util.ArrayList;
import java.util.List;

/** Garbage collections counted in the kernel: per generation at gc__start, objects collected at gc__done. */
public record GcStats(List<Long> collections, long collected, PauseStats pauseNanos) implements Section<GcStats> {

    /** The gc family's name: its key in {@link Sections#families()} and its field in the JSON report. */
    public static final String FAMILY = "gc";

    /** No collection. */
    public static final GcStats NOTHING = new GcStats(List.of(0L, 0L, 0L), 0, PauseStats.fromHistogram(0, 0, List.of()));

    public GcStats {
        collections = List.copyOf(collections);
        if (collections.size() != 3) {
            throw new IllegalArgumentException("CPython has 3 generations, got " + collections);
        }
    }

    public long collections(int generation) {
        return collections.get(generation);
    }

    public long totalCollections() {
        return collections.stream().mapToLong(Long::longValue).sum();
    }

    /** No collection started (a collection is counted at its start, its pause and objects at its end). */
    @Override
    public boolean isEmpty() {
        return totalCollections() == 0;
    }

    /** Two slots with one name (a window opened both from Python and from Java) add up. */
    @Override
    public GcStats plus(GcStats b) {
        List<Long> histogram = new ArrayList<>();
        for (int i = 0; i < buckets(b); i++) {
            histogram.add(bucket(this, i) + bucket(b, i));
        }
        return new GcStats(List.of(collections(0) + b.collections(0), collections(1) + b.collections(1),
                collections(2) + b.collections(2)), collected + b.collected,
                PauseStats.fromHistogram(Math.max(pauseNanos.max(), b.pauseNanos.max()),
                        pauseNanos.totalNanos() + b.pauseNanos.totalNanos(), histogram));
    }

    @Override
    public GcStats minus(GcStats a) {
        List<Long> collections = new ArrayList<>();
        for (int g = 0; g < 3; g++) {
            collections.add(collections(g) - a.collections(g));
        }
        List<Long> histogram = new ArrayList<>();
        int highest = -1;
        for (int i = 0; i < buckets(a); i++) {
            long n = bucket(this, i) - bucket(a, i);
            histogram.add(n);
            if (n > 0) {
                highest = i;
            }
        }
        // The kernel keeps one running maximum: when it grew, the new maximum happened in between;
        // otherwise the highest bucket bounds it.
        long max = pauseNanos.max() > a.pauseNanos.max() ? pauseNanos.max()
                : highest < 0 ? 0 : Math.min(pauseNanos.max(), highest >= 62 ? Long.MAX_VALUE : (1L << (highest + 1)) - 1);
        return new GcStats(collections, collected - a.collected,
                PauseStats.fromHistogram(max, pauseNanos.totalNanos() - a.pauseNanos.totalNanos(), histogram));
    }

    private int buckets(GcStats other) {
        return Math.max(pauseNanos.log2Histogram().size(), other.pauseNanos.log2Histogram().size());
    }

    private static long bucket(GcStats s, int i) {
        List<Long> h = s.pauseNanos.log2Histogram();
        return i < h.size() ? h.get(i) : 0;
    }
}

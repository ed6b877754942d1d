package dev.pybudget.recording;

import java.util.List;

/** Garbage collections counted in the kernel: per generation at gc__start, objects collected at gc__done. */
public record GcStats(List<Long> collections, long collected, PauseStats pauseNanos) {

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
}

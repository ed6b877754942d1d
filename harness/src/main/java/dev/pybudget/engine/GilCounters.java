package dev.pybudget.engine;

import dev.pybudget.bindings.LibBpf;
import dev.pybudget.recording.GilStats;
import dev.pybudget.recording.PauseStats;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** One reading of gil.bpf.o's gil_stats map: the GIL waits of each scope slot. */
final class GilCounters {
    private final Map<Integer, GilStats> bySlot;

    private GilCounters(Map<Integer, GilStats> bySlot) {
        this.bySlot = bySlot;
    }

    /** Empty when the trace does not record GIL waits. */
    static Optional<GilCounters> read(BpfObjects objects, Collection<Integer> slots) {
        if (!objects.has(Concern.GIL)) {
            return Optional.empty();
        }
        LibBpf lib = objects.lib();
        int fd = objects.mapFd("gil_stats");
        Map<Integer, GilStats> bySlot = new HashMap<>();
        byte[] key = new byte[4];
        byte[] v = new byte[Layout.GIL_STATS_SIZE];
        for (int slot : slots) {
            Layout.putU32(key, 0, slot);
            if (lib.bpf_map_lookup_elem(fd, key, v) < 0) {
                throw new TraceException("Reading the BPF map gil_stats failed for slot " + slot + ".");
            }
            bySlot.put(slot, new GilStats(
                    stats(v, Layout.GIL_STATS_WAIT_MAX, Layout.GIL_STATS_WAIT_TOTAL, Layout.GIL_STATS_WAIT_HIST),
                    stats(v, Layout.GIL_STATS_CONTENDED_MAX, Layout.GIL_STATS_CONTENDED_TOTAL, Layout.GIL_STATS_CONTENDED_HIST)));
        }
        return Optional.of(new GilCounters(bySlot));
    }

    /** The count is the histogram's sum, as for gc pauses: one reading, never a count and a histogram that disagree. */
    private static PauseStats stats(byte[] v, int max, int total, int hist) {
        List<Long> h = new ArrayList<>(Layout.HIST_BUCKETS);
        for (int b = 0; b < Layout.HIST_BUCKETS; b++) {
            h.add(Layout.u64(v, hist + 8 * b));
        }
        return PauseStats.fromHistogram(Layout.u64(v, max), Layout.u64(v, total), h);
    }

    /** The slots' GIL waits added up (one window name may have a Python and a Java slot). */
    GilStats of(Set<Integer> slots) {
        GilStats sum = GilStats.NOTHING;
        for (int slot : slots) {
            sum = sum.plus(bySlot.getOrDefault(slot, GilStats.NOTHING));
        }
        return sum;
    }
}

package dev.pybudget.engine;

import dev.pybudget.bindings.LibBpf;
import dev.pybudget.recording.AuditCount;
import dev.pybudget.recording.CallCount;
import dev.pybudget.recording.GcStats;
import dev.pybudget.recording.Loss;
import dev.pybudget.recording.Losses;
import dev.pybudget.recording.PauseStats;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** One reading of the kernel's maps: the exact counts, per scope slot. */
record KernelCounters(Map<Integer, GcStats> gc, Map<Integer, Long> imports, Map<Integer, List<AuditCount>> audit,
                      Map<Integer, List<CallCount>> calls, Map<Integer, String> pythonWindows,
                      Map<Integer, Long> unfollowedEnds, Losses losses) {

    static KernelCounters read(BpfObjects objects, Iterable<Integer> javaSlots) {
        LibBpf lib = objects.lib();
        Map<Integer, String> pyWindows = new HashMap<>();
        if (objects.has(Concern.AUDIT) || objects.has(Concern.AUDIT_SYMBOL)) {
            MapWalk.forEach(lib, objects.mapFd("window_slots"), Layout.WINDOW_KEY_SIZE, 4,
                    (key, value) -> pyWindows.put(Layout.u32(value, 0), Layout.cString(key, 0, Layout.WINDOW_NAME_LEN)));
        }
        List<Integer> slots = new ArrayList<>();
        slots.add(0);
        slots.addAll(pyWindows.keySet());
        javaSlots.forEach(slot -> {
            if (!slots.contains(slot)) {
                slots.add(slot); // a Java window's name is in window_slots too when it fits a window_key
            }
        });

        Map<Integer, GcStats> gc = new HashMap<>();
        Map<Integer, Long> imports = new HashMap<>();
        Map<Integer, Long> unfollowedEnds = new HashMap<>();
        MapWalk.slots(objects, "stats", Layout.STATS_SIZE, slots).forEach((slot, value) -> {
            gc.put(slot, gcStats(value));
            imports.put(slot, Layout.u64(value, Layout.STATS_IMPORTS));
            unfollowedEnds.put(slot, Layout.u64(value, Layout.STATS_WINDOW_UNFOLLOWED_ENDS));
        });

        Map<Integer, List<AuditCount>> audit = new HashMap<>();
        if (objects.has(Concern.AUDIT) || objects.has(Concern.AUDIT_SYMBOL)) {
            MapWalk.forEach(lib, objects.mapFd("audit_counts"), Layout.AUDIT_KEY_SIZE, 8, (k, v) -> audit
                    .computeIfAbsent(Layout.u32(k, 0), s -> new ArrayList<>())
                    .add(new AuditCount(Layout.cString(k, 8, Layout.AUDIT_NAME_LEN), Layout.u64(v, 0))));
        }
        Map<Integer, List<CallCount>> calls = new HashMap<>();
        if (objects.has(Concern.CALLS)) {
            // Counts are kept per (slot, function id); call_ids names the ids. An id is in call_ids
            // before any count uses it, so reading the counts first leaves none unnamed.
            Map<Integer, List<long[]>> counts = new HashMap<>();
            MapWalk.forEach(lib, objects.mapFd("call_counts"), Layout.CALL_KEY_SIZE, 8, (k, v) -> counts
                    .computeIfAbsent(Layout.u32(k, 0), s -> new ArrayList<>())
                    .add(new long[] {Layout.u32(k, 4), Layout.u64(v, 0)}));
            Map<Integer, String[]> names = new HashMap<>();
            MapWalk.forEach(lib, objects.mapFd("call_ids"), Layout.CALL_NAME_SIZE, 4, (k, v) -> names.put(Layout.u32(v, 0),
                    new String[] {Layout.cString(k, 0, Layout.FILE_LEN), Layout.cString(k, Layout.FILE_LEN, Layout.FUNC_LEN)}));
            counts.forEach((slot, list) -> {
                List<CallCount> named = new ArrayList<>();
                for (long[] count : list) {
                    String[] name = java.util.Objects.requireNonNull(names.get((int) count[0]), "a call count without a name");
                    named.add(new CallCount(name[0], name[1], count[1]));
                }
                calls.put(slot, named);
            });
        }
        audit.replaceAll((slot, list) -> sorted(list, Comparator.comparing(AuditCount::count).reversed()
                .thenComparing(AuditCount::event)));
        calls.replaceAll((slot, list) -> sorted(list, Comparator.comparing(CallCount::count).reversed()
                .thenComparing(CallCount::file).thenComparing(CallCount::function)));
        return new KernelCounters(gc, imports, audit, calls, pyWindows, unfollowedEnds, losses(lib, objects.mapFd("losses")));
    }

    private static <T> List<T> sorted(List<T> list, Comparator<T> order) {
        list.sort(order);
        return List.copyOf(list);
    }

    private static GcStats gcStats(byte[] v) {
        List<Long> histogram = new ArrayList<>(Layout.HIST_BUCKETS);
        for (int b = 0; b < Layout.HIST_BUCKETS; b++) {
            histogram.add(Layout.u64(v, Layout.STATS_GC_PAUSE_HIST + 8 * b));
        }
        PauseStats pauses = PauseStats.fromHistogram(Layout.u64(v, Layout.STATS_GC_PAUSE_MAX),
                Layout.u64(v, Layout.STATS_GC_PAUSE_TOTAL), histogram);
        return new GcStats(List.of(Layout.u64(v, 0), Layout.u64(v, 8), Layout.u64(v, 16)),
                Layout.u64(v, Layout.STATS_GC_COLLECTED), pauses);
    }

    private static Losses losses(LibBpf lib, int fd) {
        Map<Loss, Long> n = new EnumMap<>(Loss.class);
        byte[] key = new byte[4];
        byte[] value = new byte[8];
        for (Loss kind : Loss.values()) {
            Layout.putU32(key, 0, kind.ordinal());
            if (lib.bpf_map_lookup_elem(fd, key, value) < 0) {
                throw new TraceException("Reading the BPF map losses failed for " + kind.jsonName() + ".");
            }
            n.put(kind, Layout.u64(value, 0));
        }
        return Losses.of(n);
    }
}

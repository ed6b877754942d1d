package dev.pybudget.engine;

import dev.pybudget.bindings.LibBpf;
import dev.pybudget.recording.Loss;
import dev.pybudget.recording.Losses;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One reading of what the kernel keeps for the trace as a whole: the Python windows' slots, the end marks each
 * window could not follow, and the losses. The families' counts are read by each family ({@link Scopes}).
 */
record KernelCounters(Map<Integer, String> pythonWindows, Map<Integer, Long> unfollowedEnds, Scopes scopes,
                      Losses losses) {

    /**
     * Reads the windows, then every family's counts ({@link Scopes#read}), then the losses: a loss after the counts
     * were read is reported, never one the counts do not lack.
     */
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

        Map<Integer, Long> unfollowedEnds = new HashMap<>();
        MapWalk.slots(objects, "stats", Layout.STATS_SIZE, slots).forEach((slot, value) ->
                unfollowedEnds.put(slot, Layout.u64(value, Layout.STATS_WINDOW_UNFOLLOWED_ENDS)));
        Scopes scopes = Scopes.read(objects, slots);
        return new KernelCounters(pyWindows, unfollowedEnds, scopes, losses(lib, objects.mapFd("losses")));
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

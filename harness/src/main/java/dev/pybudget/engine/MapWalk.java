package dev.pybudget.engine;

import dev.pybudget.bindings.LibBpf;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

/** Reading BPF maps the two ways every family does: a hash map entry by entry, an array map slot by slot. */
final class MapWalk {
    private MapWalk() {}

    interface Entry {
        void accept(byte[] key, byte[] value);
    }

    /** Every entry of a hash map. Entries are never deleted while we trace, so the walk is complete. */
    static void forEach(LibBpf lib, int fd, int keySize, int valueSize, Entry action) {
        byte[] key = null;
        byte[] next = new byte[keySize];
        while (lib.bpf_map_get_next_key(fd, key, next) == 0) {
            byte[] value = new byte[valueSize];
            if (lib.bpf_map_lookup_elem(fd, next, value) == 0) {
                action.accept(next.clone(), value);
            }
            key = next.clone();
        }
    }

    /** The value of each of {@code slots} in the array map {@code map}, indexed by a u32 slot. */
    static Map<Integer, byte[]> slots(BpfObjects objects, String map, int valueSize, Collection<Integer> slots) {
        LibBpf lib = objects.lib();
        int fd = objects.mapFd(map);
        Map<Integer, byte[]> values = new LinkedHashMap<>();
        byte[] key = new byte[4];
        for (int slot : slots) {
            byte[] value = new byte[valueSize];
            Layout.putU32(key, 0, slot);
            if (lib.bpf_map_lookup_elem(fd, key, value) < 0) {
                throw new TraceException("Reading the BPF map " + map + " failed for slot " + slot + ".");
            }
            values.put(slot, value);
        }
        return values;
    }
}

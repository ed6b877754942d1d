package dev.pybudget.engine;

import com.sun.jna.Memory;
import com.sun.jna.ptr.IntByReference;
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

    /** Entries asked for in one batch at first; doubled when one hash bucket holds more. */
    static final int BATCH = 256;

    /**
     * Every entry of a hash map. Entries are never deleted while we trace, so the walk is complete. In batches of
     * entries, one system call each: walking key by key costs two calls an entry, and each next-key call of a sparse
     * hash map scans its empty buckets again (the audit counts' walk took 200 µs for 9 entries in the agent).
     */
    static void forEach(LibBpf lib, int fd, int keySize, int valueSize, Entry action) {
        int batch = BATCH;
        Memory keys = new Memory((long) keySize * batch);
        Memory values = new Memory((long) valueSize * batch);
        // The batch's cursor: a bucket index (u32) for a hash map, a key for the others.
        Memory in = new Memory(Math.max(8, keySize));
        Memory out = new Memory(Math.max(8, keySize));
        IntByReference count = new IntByReference();
        boolean first = true;
        while (true) {
            count.setValue(batch);
            int err = lib.bpf_map_lookup_batch(fd, first ? null : in, out, keys, values, count, null);
            if (err < 0 && err != -Errno.ENOENT) {
                if (err == -Errno.ENOSPC && count.getValue() == 0) {
                    batch *= 2; // one bucket holds more entries than the batch: it is copied whole or not at all
                    keys = new Memory((long) keySize * batch);
                    values = new Memory((long) valueSize * batch);
                    continue;
                }
                // Kernels before 5.6 (and maps without batch operations) answer a batch with EINVAL or ENOTSUPP.
                if (first && (err == -Errno.EINVAL || err == -Errno.ENOTSUPP || err == -Errno.EOPNOTSUPP)) {
                    forEachByKey(lib, fd, keySize, valueSize, action);
                    return;
                }
                throw new TraceException("Reading a BPF map failed: " + Errno.describe(-err) + ".");
            }
            for (int i = 0; i < count.getValue(); i++) {
                action.accept(keys.getByteArray((long) i * keySize, keySize), values.getByteArray((long) i * valueSize, valueSize));
            }
            if (err == -Errno.ENOENT) {
                return;
            }
            Memory next = in;
            in = out;
            out = next;
            first = false;
        }
    }

    /** {@link #forEach} one key at a time, where the kernel has no batch operations. */
    private static void forEachByKey(LibBpf lib, int fd, int keySize, int valueSize, Entry action) {
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

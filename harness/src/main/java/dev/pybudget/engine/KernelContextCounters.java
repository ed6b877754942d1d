package dev.pybudget.engine;

import dev.pybudget.bindings.LibBpf;
import dev.pybudget.recording.KernelStats;
import dev.pybudget.recording.SyscallCount;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** One reading of kernel.bpf.o's maps: the kernel context of each scope slot, syscalls named. */
final class KernelContextCounters {
    private final Map<Integer, KernelStats> bySlot;

    private KernelContextCounters(Map<Integer, KernelStats> bySlot) {
        this.bySlot = bySlot;
    }

    /**
     * Empty when the trace does not record the kernel context, or when the kernel has not recognised the
     * workload yet (it learns the workload's host tgid at its first syscall or switch: until then, and for
     * a workload in another pid namespace than this engine's, every count would be a zero that means
     * nothing).
     */
    static Optional<KernelContextCounters> read(BpfObjects objects, Collection<Integer> slots) {
        if (!objects.has(Concern.KERNEL)) {
            return Optional.empty();
        }
        LibBpf lib = objects.lib();
        byte[] target = new byte[Layout.KERNEL_TARGET_SIZE];
        if (lib.bpf_map_lookup_elem(objects.mapFd("kernel_target"), new byte[4], target) < 0
                || Layout.u32(target, Layout.KERNEL_TARGET_HOST_TGID) == 0) {
            return Optional.empty();
        }
        Map<Integer, List<SyscallCount>> named = new HashMap<>();
        int countsFd = objects.mapFd("syscall_counts");
        byte[] key = null;
        byte[] next = new byte[Layout.SYSCALL_KEY_SIZE];
        byte[] value = new byte[8];
        while (lib.bpf_map_get_next_key(countsFd, key, next) == 0) {
            if (lib.bpf_map_lookup_elem(countsFd, next, value) == 0) {
                named.computeIfAbsent(Layout.u32(next, 0), s -> new ArrayList<>())
                        .add(new SyscallCount(Syscalls.name(Layout.u32(next, Layout.SYSCALL_KEY_NR)), Layout.u64(value, 0)));
            }
            key = next.clone();
        }
        int statsFd = objects.mapFd("kernel_stats");
        Map<Integer, KernelStats> bySlot = new HashMap<>();
        byte[] slotKey = new byte[4];
        byte[] v = new byte[Layout.KERNEL_STATS_SIZE];
        for (int slot : slots) {
            Layout.putU32(slotKey, 0, slot);
            if (lib.bpf_map_lookup_elem(statsFd, slotKey, v) < 0) {
                throw new TraceException("Reading the BPF map kernel_stats failed for slot " + slot + ".");
            }
            bySlot.put(slot, new KernelStats(Layout.u64(v, 0), Layout.u64(v, 8), Layout.u64(v, 16), Layout.u64(v, 24),
                    Layout.u64(v, 32), Layout.u64(v, 40), Layout.u64(v, 48), Layout.u64(v, 56),
                    Layout.u64(v, Layout.KERNEL_STATS_SYSCALLS_UNNAMED),
                    named.getOrDefault(slot, List.of()), Layout.u64(v, Layout.KERNEL_STATS_OFFCPU_UNMATCHED)));
        }
        return Optional.of(new KernelContextCounters(bySlot));
    }

    /** The slots' kernel context added up (one window name may have a Python and a Java slot). */
    KernelStats of(Set<Integer> slots) {
        KernelStats sum = KernelStats.NOTHING;
        for (int slot : slots) {
            sum = sum.plus(bySlot.getOrDefault(slot, KernelStats.NOTHING));
        }
        return sum;
    }
}

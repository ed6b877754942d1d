package dev.pybudget.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import dev.pybudget.bindings.LibBpf;
import dev.pybudget.bindings.LibC;
import dev.pybudget.recording.KernelStats;
import dev.pybudget.recording.SyscallCount;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;

/**
 * The kernel-context family (bpf/kernel.bpf.c): off-CPU time, context switches, page faults and syscalls of the
 * workload's threads, from BTF tracepoints (attached with the other objects' programs) and page-fault perf events
 * it opens on the workload. Only with {@code TraceOptions.withFamily("kernel")} (or
 * {@code withKernelContext(true)}); its section is
 * {@link KernelStats}, "kernel" in the JSON report.
 */
final class KernelContextFamily extends ProbeFamily<KernelStats> {
    static final KernelContextFamily INSTANCE = new KernelContextFamily();

    private KernelContextFamily() {}

    private static final long SYS_PERF_EVENT_OPEN = 298; // x86_64
    private static final int PERF_TYPE_SOFTWARE = 1;
    private static final int PERF_COUNT_SW_PAGE_FAULTS_MIN = 5;
    private static final int PERF_COUNT_SW_PAGE_FAULTS_MAJ = 6;
    private static final int PERF_ATTR_SIZE = 128;
    private static final long PERF_ATTR_INHERIT = 1L << 1;
    private static final long PERF_FLAG_FD_CLOEXEC = 1L << 3;

    @Override
    public String name() {
        return KernelStats.FAMILY;
    }

    @Override
    public Class<KernelStats> sectionType() {
        return KernelStats.class;
    }

    @Override
    public KernelStats nothing() {
        return KernelStats.NOTHING;
    }

    @Override
    Concern concern() {
        return Concern.KERNEL;
    }

    /** Only when asked: {@code TraceOptions.withFamily("kernel")}. */
    @Override
    public boolean optional() {
        return true;
    }

    /** The engine's pid namespace (st_dev, st_ino of /proc/self/ns/pid) and what to count. */
    @Override
    byte[] settings(TraceOptions options) {
        byte[] s = new byte[Layout.KERNEL_SETTINGS_SIZE];
        long[] ns = pidNamespace();
        putU64(s, 0, ns[0]);
        putU64(s, 8, ns[1]);
        Layout.putU32(s, Layout.KERNEL_SETTINGS_COUNT_SWITCHES, 1);
        Layout.putU32(s, Layout.KERNEL_SETTINGS_COUNT_SYSCALLS, 1);
        return s;
    }

    private static long[] pidNamespace() {
        try {
            Path ns = Path.of("/proc/self/ns/pid");
            return new long[] {((Number) Files.getAttribute(ns, "unix:dev")).longValue(),
                ((Number) Files.getAttribute(ns, "unix:ino")).longValue()};
        } catch (IOException | UnsupportedOperationException e) {
            throw new TraceException("The kernel context cannot be recorded: /proc/self/ns/pid could not be read ("
                    + e.getMessage() + ").", e);
        }
    }

    /** Points the programs at process {@code pid} (as this engine sees it) and opens its perf events. */
    @Override
    void attach(BpfObjects bpf, int pid) {
        awaitGateWaiting(pid);
        LibBpf lib = bpf.lib();
        byte[] target = new byte[Layout.KERNEL_TARGET_SIZE];
        Layout.putU32(target, 0, pid);
        if (lib.bpf_map_update_elem(bpf.mapFd("kernel_target"), new byte[4], target, 0) < 0) {
            throw new TraceException("The kernel context cannot be recorded: its target map could not be written.");
        }
        attachFaults(bpf, pid, "minor_fault", PERF_COUNT_SW_PAGE_FAULTS_MIN);
        attachFaults(bpf, pid, "major_fault", PERF_COUNT_SW_PAGE_FAULTS_MAJ);
    }

    /** How long {@link #awaitGateWaiting} waits at most: a gate reaches its wait within milliseconds. */
    private static final long GATE_WAIT_NANOS = 2_000_000_000L;
    /** x86-64's read(2) and openat(2): the local gate waits in {@code read _}, the agent's in opening its FIFO. */
    private static final List<String> GATE_SYSCALLS = List.of("0", "257");

    /**
     * Waits until a gated workload's shell waits for its release, so that the programs count from a fixed point:
     * the shell's own start (dash calls getppid(2) while it starts, among others) counted or not as the attach
     * raced it, and a whole run then had 8 getppid calls for the interpreter's 7. What the gate does after its
     * release (the read's end, the exec) is counted every time. A process that is not a gate's shell (one that
     * already runs Python) is not waited for; one still being spawned (the JVM's jspawnhelper, setsid) is.
     */
    private static void awaitGateWaiting(int pid) {
        for (long until = System.nanoTime() + GATE_WAIT_NANOS; System.nanoTime() < until; ) {
            String comm = read("/proc/" + pid + "/comm");
            if (comm == null || !(comm.equals("sh") || comm.equals("setsid") || comm.equals("jspawnhelper"))) {
                return; // ended (the start says so), or not a gate
            }
            if (comm.equals("sh") && sleeping(pid)) {
                String syscall = read("/proc/" + pid + "/syscall");
                // Unreadable for another user's process without CAP_SYS_PTRACE: sleeping is then the sign.
                if (syscall == null || GATE_SYSCALLS.contains(syscall.split(" ", 2)[0])) {
                    return;
                }
            }
            // Not a spin: on two cores a loop reading /proc would take the CPU from the shell it waits for.
            LockSupport.parkNanos(100_000);
        }
    }

    private static boolean sleeping(int pid) {
        String stat = read("/proc/" + pid + "/stat");
        // "pid (comm) S ...": the state follows the last ')'.
        return stat != null && stat.length() > stat.lastIndexOf(')') + 2 && stat.charAt(stat.lastIndexOf(')') + 2) == 'S';
    }

    private static String read(String file) {
        try {
            return Files.readString(Path.of(file)).trim();
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** One software event a fault, on the workload and (inherited) every thread and child it starts. */
    private static void attachFaults(BpfObjects bpf, int pid, String program, int config) {
        byte[] attr = new byte[PERF_ATTR_SIZE];
        Layout.putU32(attr, 0, PERF_TYPE_SOFTWARE);
        Layout.putU32(attr, 4, PERF_ATTR_SIZE);
        putU64(attr, 8, config);
        putU64(attr, 16, 1); // sample_period: every fault
        putU64(attr, 40, PERF_ATTR_INHERIT);
        int pfd = LibC.INSTANCE.syscall(SYS_PERF_EVENT_OPEN, attr, pid, -1, -1, PERF_FLAG_FD_CLOEXEC);
        if (pfd < 0) {
            int errno = Native.getLastError();
            if (errno == Errno.ESRCH) {
                throw new TraceException("The workload (pid " + pid + ") ended before its probes were attached.");
            }
            throw new TraceException("Opening the page-fault perf event on pid " + pid + " failed (" + Errno.describe(errno)
                    + "): " + Errno.NEED_RIGHTS + ".");
        }
        Pointer link = bpf.lib().bpf_program__attach_perf_event(bpf.program(Concern.KERNEL, program), pfd);
        if (link == null) {
            int errno = Native.getLastError();
            LibC.INSTANCE.close(pfd);
            throw new TraceException("Attaching the page-fault program " + program + " to its perf event failed (" + Errno.describe(errno) + ").");
        }
        bpf.addLink(link);
    }

    /**
     * Empty when the kernel has not recognised the workload yet: it learns the workload's host tgid at its first
     * syscall or switch; until then, and for a workload in another pid namespace than this engine's, every count
     * would be a zero that means nothing.
     */
    @Override
    Optional<Map<Integer, KernelStats>> read(BpfObjects objects, Collection<Integer> slots) {
        LibBpf lib = objects.lib();
        byte[] target = new byte[Layout.KERNEL_TARGET_SIZE];
        if (lib.bpf_map_lookup_elem(objects.mapFd("kernel_target"), new byte[4], target) < 0
                || Layout.u32(target, Layout.KERNEL_TARGET_HOST_TGID) == 0) {
            return Optional.empty();
        }
        Map<Integer, List<SyscallCount>> named = new HashMap<>();
        MapWalk.forEach(lib, objects.mapFd("syscall_counts"), Layout.SYSCALL_KEY_SIZE, 8, (k, v) -> named
                .computeIfAbsent(Layout.u32(k, 0), s -> new ArrayList<>())
                .add(new SyscallCount(Syscalls.name(Layout.u32(k, Layout.SYSCALL_KEY_NR)), Layout.u64(v, 0))));
        Map<Integer, KernelStats> bySlot = new HashMap<>();
        MapWalk.slots(objects, "kernel_stats", Layout.KERNEL_STATS_SIZE, slots).forEach((slot, v) -> bySlot.put(slot,
                new KernelStats(Layout.u64(v, 0), Layout.u64(v, 8), Layout.u64(v, 16), Layout.u64(v, 24),
                        Layout.u64(v, 32), Layout.u64(v, 40), Layout.u64(v, 48), Layout.u64(v, 56),
                        Layout.u64(v, Layout.KERNEL_STATS_SYSCALLS_UNNAMED),
                        named.getOrDefault(slot, List.of()), Layout.u64(v, Layout.KERNEL_STATS_OFFCPU_UNMATCHED),
                        Layout.u64(v, Layout.KERNEL_STATS_OFFCPU_RECOVERED))));
        return Optional.of(bySlot);
    }

    @Override
    public void writeJson(ObjectNode node, KernelStats k) {
        node.put("offCpuNanos", k.offCpuNanos());
        node.put("offCpuRunnableNanos", k.offCpuRunnableNanos());
        node.put("offCpuBlockedNanos", k.offCpuBlockedNanos());
        node.put("offCpuIntervals", k.offCpuIntervals());
        node.put("voluntarySwitches", k.voluntarySwitches());
        node.put("involuntarySwitches", k.involuntarySwitches());
        node.put("minorFaults", k.minorFaults());
        node.put("majorFaults", k.majorFaults());
        node.put("syscalls", k.syscalls());
        node.put("unnamedSyscalls", k.unnamedSyscalls());
        node.put("offCpuUnmatched", k.offCpuUnmatched());
        node.put("offCpuRecovered", k.offCpuRecovered());
        ArrayNode byName = node.putArray("syscallsByName");
        k.syscallsByName().forEach(s -> byName.addObject().put("name", s.name()).put("count", s.count()));
    }

    @Override
    public KernelStats readJson(JsonNode k) {
        List<SyscallCount> byName = new ArrayList<>();
        k.path("syscallsByName").forEach(s -> byName.add(new SyscallCount(s.path("name").asText(), s.path("count").asLong())));
        return new KernelStats(k.path("offCpuRunnableNanos").asLong(), k.path("offCpuBlockedNanos").asLong(),
                k.path("offCpuIntervals").asLong(), k.path("voluntarySwitches").asLong(), k.path("involuntarySwitches").asLong(),
                k.path("minorFaults").asLong(), k.path("majorFaults").asLong(), k.path("syscalls").asLong(),
                k.path("unnamedSyscalls").asLong(), byName, k.path("offCpuUnmatched").asLong(),
                k.path("offCpuRecovered").asLong());
    }

    private static final int TOP_SYSCALLS = 10;

    @Override
    public String describe(KernelStats k) {
        return KernelStats.describe(k, TOP_SYSCALLS);
    }

    private static void putU64(byte[] b, int off, long v) {
        for (int i = 0; i < 8; i++) {
            b[off + i] = (byte) (v >>> (8 * i));
        }
    }
}

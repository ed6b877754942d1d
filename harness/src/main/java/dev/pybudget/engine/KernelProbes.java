package dev.pybudget.engine;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import dev.pybudget.bindings.LibBpf;
import dev.pybudget.bindings.LibC;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The kernel-context programs of kernel.bpf.o: tells them which process is the workload (its scheduler and
 * syscall tracepoints are attached with the other objects' programs) and opens the page-fault perf events on
 * the workload. Every link joins the trace's others, so {@link BpfObjects#close()} detaches them (and closes
 * the perf events).
 */
final class KernelProbes {
    private KernelProbes() {}

    private static final long SYS_PERF_EVENT_OPEN = 298; // x86_64
    private static final int PERF_TYPE_SOFTWARE = 1;
    private static final int PERF_COUNT_SW_PAGE_FAULTS_MIN = 5;
    private static final int PERF_COUNT_SW_PAGE_FAULTS_MAJ = 6;
    private static final int PERF_ATTR_SIZE = 128;
    private static final long PERF_ATTR_INHERIT = 1L << 1;
    private static final long PERF_FLAG_FD_CLOEXEC = 1L << 3;

    /** kernel.bpf.o's settings: the engine's pid namespace (st_dev, st_ino of /proc/self/ns/pid) and what to count. */
    static byte[] settings(TraceOptions options) {
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

    /** Points the programs at process {@code pid} (as this engine sees it) and opens its perf events; before it runs Python. */
    static void attach(BpfObjects bpf, int pid) {
        LibBpf lib = bpf.lib();
        byte[] target = new byte[Layout.KERNEL_TARGET_SIZE];
        Layout.putU32(target, 0, pid);
        if (lib.bpf_map_update_elem(bpf.mapFd("kernel_target"), new byte[4], target, 0) < 0) {
            throw new TraceException("The kernel context cannot be recorded: its target map could not be written.");
        }
        attachFaults(bpf, pid, "minor_fault", PERF_COUNT_SW_PAGE_FAULTS_MIN);
        attachFaults(bpf, pid, "major_fault", PERF_COUNT_SW_PAGE_FAULTS_MAJ);
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
            closeFd(pfd);
            throw new TraceException("Attaching the page-fault program " + program + " to its perf event failed (" + Errno.describe(errno) + ").");
        }
        bpf.addLink(link);
    }

    private static void closeFd(int fd) {
        LibC.INSTANCE.close(fd);
    }

    static void putU64(byte[] b, int off, long v) {
        for (int i = 0; i < 8; i++) {
            b[off + i] = (byte) (v >>> (8 * i));
        }
    }
}

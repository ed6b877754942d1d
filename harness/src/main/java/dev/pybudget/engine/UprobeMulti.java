package dev.pybudget.engine;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import dev.pybudget.bindings.LibC;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * Multi-uprobe links ({@code BPF_TRACE_UPROBE_MULTI}, Linux 6.6+): one program on many offsets of one
 * file in one link, through the {@code bpf(BPF_LINK_CREATE)} syscall itself (libbpf 1.1 has no API for
 * it). Why: a uprobe made through a perf event is unregistered on its own, under a global lock, with
 * RCU grace periods of its own (about 0.1 s each here, one after the other); a multi link unregisters
 * all its sites and then waits once, and links closed side by side share that wait.
 */
final class UprobeMulti {
    private UprobeMulti() {}

    /** enum bpf_attach_type: BPF_TRACE_UPROBE_MULTI; the program must be loaded with it as expected_attach_type. */
    static final int ATTACH_TYPE = 48;
    /** enum bpf_prog_type: BPF_PROG_TYPE_KPROBE, which SEC("usdt"), SEC("uprobe") and SEC("uretprobe") load as. */
    static final int PROG_TYPE_KPROBE = 2;
    private static final int BPF_PROG_LOAD = 5, BPF_LINK_CREATE = 28;
    private static final int UPROBE_MULTI_RETURN = 1;
    /** union bpf_attr as far as link_create.uprobe_multi reaches (pid at 56), rounded up. */
    private static final int LINK_CREATE_SIZE = 64;
    private static final long SYS_BPF = switch (System.getProperty("os.arch")) {
        case "aarch64" -> 280;
        default -> 321; // x86-64
    };

    /** System property: {@code true} attaches one uprobe per site (libbpf's way) even where multi-uprobe links exist. */
    static final String OFF_PROPERTY = "pybudget.noMultiUprobe";

    /** The kernel's answer, asked once per JVM (see {@link #probeAhead()}). */
    private static final CompletableFuture<Optional<String>> KERNEL_LACKS = new CompletableFuture<>();
    private static final AtomicBoolean ASKED = new AtomicBoolean();
    /** Marks a reason not worth saying (no BPF rights at all: the attach then says so). */
    private static final String QUIET = "\u0000";

    /**
     * Starts asking the kernel on a thread of its own, if nobody has yet: in a fresh JVM the question takes 20-60 ms
     * (JNA binding the calls, a program loaded), which a trace's start overlaps with reading the interpreter's ELF.
     */
    static void probeAhead() {
        if (ASKED.compareAndSet(false, true)) {
            Thread t = new Thread(UprobeMulti::answer, "pybudget-multi-uprobe-probe");
            t.setDaemon(true);
            t.start();
        }
    }

    /**
     * Why multi-uprobe links are not used, or empty when they are: turned off by {@value #OFF_PROPERTY}, or the
     * kernel lacks them. The kernel is asked once per JVM: a program of two instructions is loaded, and links are
     * asked for on an invalid path (as libbpf probes it): EBADF says the attach type exists, then EINVAL for pid -1
     * says the pid filter is per process (6.6-6.9 filtered one thread, which would miss every other thread of the
     * workload). A kernel without them is said once on stderr: nothing is lost, but each trace's end waits for
     * the kernel per probe.
     */
    static Optional<String> unsupportedReason() {
        if (Boolean.getBoolean(OFF_PROPERTY)) {
            return Optional.of("turned off (-D" + OFF_PROPERTY + "=true)");
        }
        if (ASKED.compareAndSet(false, true)) {
            answer(); // nobody asked ahead: ask here
        }
        return KERNEL_LACKS.join().map(why -> why.replace(QUIET, ""));
    }

    private static void answer() {
        Optional<String> lacks;
        try {
            lacks = probe();
        } catch (RuntimeException | LinkageError e) {
            lacks = Optional.of("asking the kernel failed: " + e);
        }
        lacks.filter(why -> !why.startsWith(QUIET)).ifPresent(why -> System.err.println("pybudget: no multi-uprobe links ("
                + why + "): each uprobe is attached and detached on its own, about 0.1 s each when a trace ends."));
        KERNEL_LACKS.complete(lacks);
    }

    private static Optional<String> probe() {
        int prog = loadDoNothing();
        if (prog < 0) {
            int errno = Native.getLastError();
            // Without the rights nothing can be traced, and the attach says so in its own sentence.
            return Optional.of((Errno.isPermission(errno) ? QUIET : "") + "a program for them could not be loaded ("
                    + Errno.describe(errno) + ")");
        }
        try {
            // "/" is not a regular file: the errno says how far the kernel got.
            int errno = -create(prog, "/", new long[] {0}, null, null, false, 0);
            if (errno != Errno.EBADF) {
                return Optional.of("the kernel does not know them (" + Errno.describe(errno) + ")");
            }
            errno = -create(prog, "/", new long[] {0}, null, null, false, -1);
            if (errno != Errno.EINVAL) {
                return Optional.of("the kernel's multi-uprobe pid filter follows one thread, not the process");
            }
            return Optional.empty();
        } finally {
            LibC.INSTANCE.close(prog);
        }
    }

    /** A program of two instructions (return 0) for multi-uprobe links: its fd, or -1 with errno set. */
    private static int loadDoNothing() {
        Memory insns = new Memory(16);
        insns.clear();
        insns.setByte(0, (byte) 0xb7); // r0 = 0
        insns.setByte(8, (byte) 0x95); // exit
        Memory license = cString("GPL");
        Memory attr = new Memory(128);
        attr.clear();
        attr.setInt(0, PROG_TYPE_KPROBE);
        attr.setInt(4, 2);
        attr.setLong(8, Pointer.nativeValue(insns));
        attr.setLong(16, Pointer.nativeValue(license));
        attr.setInt(68, ATTACH_TYPE);
        return (int) LibC.INSTANCE.syscall(SYS_BPF, BPF_PROG_LOAD, attr, 128);
    }

    /** How often {@link #warmUp} makes a link while a start runs: well inside the grace period (10-20 ms here). */
    private static final long WARM_EVERY_NANOS = 4_000_000;
    /** At most this many per start (one that takes longer pays the wait again, nothing worse). */
    private static final int WARM_MAX = 50;
    /** Threads of {@link #warmUp} still making or detaching links; {@link #awaitWarmingDone()} waits for them. */
    private static final Set<Thread> WARMING = ConcurrentHashMap.newKeySet();

    /**
     * Takes the kernel's wait at a first uprobe registration off a start's path. Registering (or unregistering) uprobes
     * takes a per-CPU rw-semaphore of the kernel for writing, which waits for an RCU grace period (10-20 ms here)
     * unless another registration went through within about the last grace period: a start's first link, made once
     * its programs were loaded and the workload spawned, waited for it, and the next links did not. So as a start
     * begins, this makes a link of a do-nothing program at offset 0 of {@code path}, for this JVM's own pid (which does
     * not map the file: no breakpoint is written and no semaphore raised anywhere), and detaches it at once; the
     * first one waits while the programs load, and one every few milliseconds keeps the semaphore ready until the
     * start's own links are made ({@link Warm#close()}). Does nothing without multi-uprobe links.
     */
    static Warm warmUp(String path) {
        Warm warm = new Warm();
        if (unsupportedReason().isEmpty()) {
            warm.thread = onThread("pybudget-uprobe-warm", () -> warm.run(path));
        }
        return warm;
    }

    /** Returns once every link {@link #warmUp} made is detached. */
    static void awaitWarmingDone() {
        boolean interrupted = false;
        while (!WARMING.isEmpty()) { // a warming thread adds the threads that detach its links
            for (Thread t : WARMING) {
                try {
                    t.join();
                } catch (InterruptedException e) {
                    interrupted = true; // wait all the same: callers count what is left attached
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private static Thread onThread(String name, Runnable task) {
        Thread t = new Thread(() -> {
            try {
                task.run();
            } finally {
                WARMING.remove(Thread.currentThread());
            }
        }, name);
        t.setDaemon(true);
        WARMING.add(t);
        t.start();
        return t;
    }

    /** The links {@link #warmUp} makes, until closed. */
    static final class Warm implements AutoCloseable {
        private volatile boolean stopped;
        private volatile Thread thread;

        private void run(String path) {
            int prog = loadDoNothing();
            if (prog < 0) {
                return; // the start's own load says what is wrong, if anything
            }
            try {
                int pid = (int) ProcessHandle.current().pid();
                for (int i = 0; i < WARM_MAX && !stopped; i++) {
                    int fd = create(prog, path, new long[] {0}, null, null, false, pid);
                    if (fd < 0) {
                        return; // the start's own links say what is wrong, if anything
                    }
                    // Its fd goes at once; the kernel's unregistration then waits for grace periods, on a thread of its own.
                    onThread("pybudget-uprobe-warm-detach", () -> LibC.INSTANCE.close(fd));
                    LockSupport.parkNanos(WARM_EVERY_NANOS);
                }
            } finally {
                LibC.INSTANCE.close(prog); // each link holds the program as long as it needs it
            }
        }

        /** Stops making links (the last one made is detached as the others were). */
        @Override
        public void close() {
            stopped = true;
            Thread t = thread;
            if (t != null) {
                LockSupport.unpark(t);
            }
        }
    }

    /** A link create that failed, with the kernel's errno. */
    static final class LinkException extends Exception {
        final int errno;

        LinkException(int errno) {
            super(Errno.describe(errno));
            this.errno = errno;
        }
    }

    /**
     * Attaches program {@code progFd} at {@code offsets} of {@code path} (file offsets), for process {@code pid}
     * only (0: every process).
     *
     * @param refCtrOffsets per offset, the file offset of a USDT semaphore the kernel raises while attached (0: none), or null
     * @param cookies       per offset, what {@code bpf_get_attach_cookie} returns there, or null for 0
     * @return the link's fd; closing it detaches every site
     */
    static int link(int progFd, String path, long[] offsets, long[] refCtrOffsets, long[] cookies, boolean atReturn, int pid)
            throws LinkException {
        int fd = create(progFd, path, offsets, refCtrOffsets, cookies, atReturn, pid);
        if (fd < 0) {
            throw new LinkException(-fd);
        }
        return fd;
    }

    /** The link's fd, or -errno. */
    private static int create(int progFd, String path, long[] offsets, long[] refCtrOffsets, long[] cookies,
            boolean atReturn, int pid) {
        Memory file = cString(path);
        Memory offs = longs(offsets);
        Memory refs = refCtrOffsets == null ? null : longs(refCtrOffsets);
        Memory cooks = cookies == null ? null : longs(cookies);
        Memory attr = new Memory(LINK_CREATE_SIZE);
        attr.clear();
        attr.setInt(0, progFd);
        attr.setInt(8, ATTACH_TYPE);
        attr.setLong(16, Pointer.nativeValue(file));
        attr.setLong(24, Pointer.nativeValue(offs));
        attr.setLong(32, refs == null ? 0 : Pointer.nativeValue(refs));
        attr.setLong(40, cooks == null ? 0 : Pointer.nativeValue(cooks));
        attr.setInt(48, offsets.length);
        attr.setInt(52, atReturn ? UPROBE_MULTI_RETURN : 0);
        attr.setInt(56, pid);
        int fd = (int) LibC.INSTANCE.syscall(SYS_BPF, BPF_LINK_CREATE, attr, LINK_CREATE_SIZE);
        return fd < 0 ? -Native.getLastError() : fd;
    }

    private static Memory longs(long[] values) {
        Memory m = new Memory(8L * values.length);
        for (int i = 0; i < values.length; i++) {
            m.setLong(8L * i, values[i]);
        }
        return m;
    }

    private static Memory cString(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        Memory m = new Memory(b.length + 1);
        m.write(0, b, 0, b.length);
        m.setByte(b.length, (byte) 0);
        return m;
    }
}

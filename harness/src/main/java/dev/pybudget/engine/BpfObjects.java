package dev.pybudget.engine;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.LongByReference;
import dev.pybudget.bindings.LibBpf;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Semaphore;

/**
 * The loaded BPF objects of one trace and their links: open, configure, load, attach, close.
 * The first object creates the shared maps; every later one reuses their fds, so all
 * programs count into the same scopes. {@link #close()} detaches and frees everything.
 */
final class BpfObjects implements AutoCloseable {

    private static final Set<String> SHARED_MAPS = Set.of("stats", "losses", "events", "thread_windows", "java_windows");

    private final LibBpf lib;
    private final Map<Concern, Pointer> objects = new EnumMap<>(Concern.class);
    private final List<Memory> images = new ArrayList<>();
    private final List<Pointer> links = new ArrayList<>();
    /** fds of the shared maps, from the first object loaded */
    private final Map<String, Integer> shared = new java.util.HashMap<>();

    private BpfObjects(LibBpf lib) {
        this.lib = lib;
    }

    /**
     * Opens, configures and loads the objects of the given concerns.
     *
     * @param settings bytes written at the start of each object's .rodata (its one settings struct)
     */
    static BpfObjects load(List<Concern> concerns, Map<Concern, byte[]> settings, TraceOptions options) {
        LibBpf lib = loadLibrary();
        LibBpfLog.install(lib);
        BpfObjects loaded = new BpfObjects(lib);
        try {
            for (Concern concern : concerns) {
                loaded.loadOne(concern, settings.get(concern), options);
            }
            return loaded;
        } catch (RuntimeException e) {
            loaded.close();
            throw e;
        }
    }

    private static LibBpf loadLibrary() {
        try {
            return LibBpf.load();
        } catch (UnsatisfiedLinkError e) {
            throw new TraceException("libbpf.so.1 could not be loaded: install Debian's libbpf1 (apt-get install libbpf1).", e);
        }
    }

    private void loadOne(Concern concern, byte[] settings, TraceOptions options) {
        byte[] elf = resource(concern.object);
        Memory image = new Memory(elf.length);
        image.write(0, elf, 0, elf.length);
        images.add(image);
        LibBpfLog.clear();
        Pointer obj = lib.bpf_object__open_mem(image, elf.length, null);
        if (obj == null) {
            throw new TraceException("The BPF object " + concern.object + " could not be opened: "
                    + Errno.describe(Native.getLastError()) + " " + LibBpfLog.lastError());
        }
        objects.put(concern, obj);
        for (Pointer map = lib.bpf_object__next_map(obj, null); map != null; map = lib.bpf_object__next_map(obj, map)) {
            String name = lib.bpf_map__name(map);
            if (SHARED_MAPS.contains(name) && shared.containsKey(name)) {
                check(lib.bpf_map__reuse_fd(map, shared.get(name)), "share the map " + name + " with " + concern.object);
            } else if (name.equals("events")) {
                check(lib.bpf_map__set_max_entries(map, options.ringBufferBytes()), "size the ring buffer");
            } else if (name.equals("call_counts") || name.equals("call_ids")) {
                check(lib.bpf_map__set_max_entries(map, options.callsMapEntries()), "size the calls map");
            } else if (name.endsWith(".rodata") && settings != null) {
                writeSettings(map, settings);
            }
        }
        int err = lib.bpf_object__load(obj);
        if (err < 0) {
            String verdict = LibBpfLog.verifierVerdict();
            if (!verdict.isEmpty()) {
                throw new TraceException("The kernel's verifier rejected " + concern.object + " (" + Errno.describe(-err) + "): "
                        + verdict + " (PYBUDGET_DEBUG=1 shows the whole log).");
            }
            if (Errno.isPermission(-err)) {
                throw new TraceException("Loading BPF programs was refused (" + Errno.describe(-err) + "): " + Errno.NEED_RIGHTS + ".");
            }
            throw new TraceException("The kernel refused the BPF object " + concern.object + " (" + Errno.describe(-err) + "): "
                    + LibBpfLog.lastError());
        }
        if (shared.isEmpty()) {
            SHARED_MAPS.forEach(name -> shared.put(name, mapFd(name)));
        }
    }

    private void writeSettings(Pointer rodata, byte[] settings) {
        LongByReference size = new LongByReference();
        Pointer initial = lib.bpf_map__initial_value(rodata, size);
        if (initial == null || size.getValue() < settings.length) {
            throw new TraceException("The BPF object's settings do not fit its .rodata: rebuild bpf/ and the jar together.");
        }
        byte[] value = initial.getByteArray(0, (int) size.getValue());
        System.arraycopy(settings, 0, value, 0, settings.length);
        check(lib.bpf_map__set_initial_value(rodata, value, value.length), "write the settings");
    }

    private static byte[] resource(String object) {
        try (InputStream in = BpfObjects.class.getResourceAsStream("/bpf/" + object)) {
            if (in == null) {
                throw new TraceException("The BPF object bpf/" + object + " is not in the jar: build with 'mvn package' "
                        + "on a machine with clang and libbpf-dev.");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void check(int result, String what) {
        if (result < 0) {
            throw new TraceException("libbpf could not " + what + ": " + Errno.describe(-result) + ".");
        }
    }

    /** The fd of a map by name, searched in every object loaded so far. */
    int mapFd(String name) {
        for (Pointer obj : objects.values()) {
            Pointer map = lib.bpf_object__find_map_by_name(obj, name);
            if (map != null) {
                return lib.bpf_map__fd(map);
            }
        }
        throw new IllegalStateException("no BPF map named " + name);
    }

    boolean has(Concern concern) {
        return objects.containsKey(concern);
    }

    /** Attaches every program of every loaded object to the probes in {@code binary}, for process {@code pid} only. */
    void attach(int pid, String binary, Set<String> probes) {
        for (Map.Entry<Concern, Pointer> entry : objects.entrySet()) {
            for (Map.Entry<String, String> program : entry.getKey().programs.entrySet()) {
                if (!probes.contains(program.getValue())) {
                    continue;
                }
                Pointer prog = lib.bpf_object__find_program_by_name(entry.getValue(), program.getKey());
                LibBpfLog.clear();
                Pointer link = lib.bpf_program__attach_usdt(prog, pid, binary, "python", program.getValue(), null);
                if (link == null) {
                    int errno = Native.getLastError();
                    if (Errno.isPermission(errno)) {
                        throw new TraceException("Attaching to the USDT probe " + program.getValue() + " of " + binary
                                + " was refused (" + Errno.describe(errno) + "): " + Errno.NEED_RIGHTS + ".");
                    }
                    if (errno == Errno.ESRCH || errno == Errno.ENOENT) {
                        throw new TraceException("The workload (pid " + pid + ") ended before its probes were attached.");
                    }
                    throw new TraceException("Attaching to the USDT probe " + program.getValue() + " of " + binary + " failed ("
                            + Errno.describe(errno) + "): " + LibBpfLog.lastError());
                }
                links.add(link);
            }
            for (String program : entry.getKey().kernelPrograms) {
                Pointer prog = lib.bpf_object__find_program_by_name(entry.getValue(), program);
                LibBpfLog.clear();
                Pointer link = lib.bpf_program__attach(prog);
                if (link == null) {
                    int errno = Native.getLastError();
                    throw new TraceException("Attaching the BPF program " + program + " to its kernel tracepoint failed ("
                            + Errno.describe(errno) + "): " + LibBpfLog.lastError());
                }
                links.add(link);
            }
        }
    }

    /** A program of a loaded object, by name. */
    Pointer program(Concern concern, String name) {
        Pointer prog = lib.bpf_object__find_program_by_name(objects.get(concern), name);
        if (prog == null) {
            throw new IllegalStateException("no BPF program " + name + " in " + concern.object);
        }
        return prog;
    }

    /** A link made elsewhere (see ProbeFamily#attach), detached with the others by {@link #close()}. */
    void addLink(Pointer link) {
        links.add(link);
    }

    /**
     * Attaches {@code program} of the {@code concern}'s object as a uprobe (or uretprobe) at
     * {@code offset} of {@code binary}, for process {@code pid} only, with a BPF cookie the program reads.
     */
    void attachUprobe(int pid, String binary, Concern concern, String program, long offset, boolean atReturn, long cookie,
            String what) {
        Pointer obj = objects.get(concern);
        Pointer prog = obj == null ? null : lib.bpf_object__find_program_by_name(obj, program);
        if (prog == null) {
            throw new IllegalStateException("no BPF program " + program + " in " + concern.object);
        }
        Memory opts = new Memory(UPROBE_OPTS_SIZE);
        opts.clear();
        opts.setLong(0, UPROBE_OPTS_SIZE);
        opts.setLong(16, cookie);
        opts.setByte(24, (byte) (atReturn ? 1 : 0));
        LibBpfLog.clear();
        Pointer link = lib.bpf_program__attach_uprobe_opts(prog, pid, binary, offset, opts);
        if (link == null) {
            int errno = Native.getLastError();
            if (Errno.isPermission(errno)) {
                throw new TraceException("Attaching to the function " + what + " of " + binary + " was refused ("
                        + Errno.describe(errno) + "): " + Errno.NEED_RIGHTS + ".");
            }
            if (errno == Errno.ESRCH || errno == Errno.ENOENT) {
                throw new TraceException("The workload (pid " + pid + ") ended before its probes were attached.");
            }
            throw new TraceException("Attaching to the function " + what + " of " + binary + " failed ("
                    + Errno.describe(errno) + "): " + LibBpfLog.lastError());
        }
        links.add(link);
    }

    /** sizeof(struct bpf_uprobe_opts) in libbpf 1.0-1.1: sz, ref_ctr_offset, bpf_cookie, retprobe (padded), func_name. */
    private static final int UPROBE_OPTS_SIZE = 40;

    LibBpf lib() {
        return lib;
    }

    /**
     * One daemon thread detaches, in order, the probes of traces whose workload has exited: the kernel
     * unregisters each uprobe under a global lock and waits for RCU grace periods, about 0.1 s per probe,
     * one after the other (threads do not overlap them).
     */
    private static final BackgroundThread DETACHER = new BackgroundThread("pybudget-detach");

    /**
     * Detaches every link and frees maps and programs on the background thread, and returns at once.
     * Only for a trace whose workload has exited: its probes can no longer fire, so nothing observable
     * waits for this; a later {@link #awaitDetached()} does.
     */
    void closeInBackground() {
        // At most MAX_PENDING traces wait to be detached: each holds its maps (megabytes of locked kernel
        // memory) until then, and traces can end faster than the kernel detaches them. Past that, the
        // caller detaches on its own thread.
        if (!PENDING.tryAcquire()) {
            close();
            return;
        }
        DETACHER.execute(() -> {
            try {
                close();
            } finally {
                PENDING.release();
            }
        });
    }

    private static final int MAX_PENDING = 2;
    private static final Semaphore PENDING = new Semaphore(MAX_PENDING);

    /** Waits until every {@link #closeInBackground()} so far has finished. */
    static void awaitDetached() {
        DETACHER.awaitIdle();
    }

    /** Detaches every link (the kernel then lowers the probe semaphores) and frees maps and programs. */
    @Override
    public synchronized void close() {
        for (Pointer link : links) {
            lib.bpf_link__destroy(link);
        }
        links.clear();
        List<Pointer> reversed = new ArrayList<>(objects.values());
        java.util.Collections.reverse(reversed);
        for (Pointer obj : reversed) {
            lib.bpf_object__close(obj);
        }
        objects.clear();
        images.clear();
    }
}

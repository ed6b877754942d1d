package dev.pybudget.engine;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.LongByReference;
import dev.pybudget.bindings.LibBpf;
import dev.pybudget.bindings.LibC;
import dev.pybudget.elf.ElfFile;
import dev.pybudget.elf.UsdtProbe;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;

/**
 * The loaded BPF objects of one trace and their links: open, configure, load, attach, close.
 * The shared maps are made first, from the first object that defines them, and every object
 * reuses their fds, so all programs count into the same scopes; then the objects load side by
 * side. {@link #close()} detaches and frees everything.
 */
final class BpfObjects implements AutoCloseable {

    private static final Set<String> SHARED_MAPS = Set.of("stats", "losses", "events", "thread_windows", "window_threads",
            "java_windows");

    private final LibBpf lib;
    private final Map<Concern, Pointer> objects = new EnumMap<>(Concern.class);
    private final List<Memory> images = new ArrayList<>();
    private final List<Pointer> links = new ArrayList<>();
    /** fds of multi-uprobe links (see UprobeMulti), made without libbpf, closed side by side */
    private final List<Integer> multiLinks = new ArrayList<>();
    /** Whether the uprobe programs were loaded for multi-uprobe links (the kernel has them); else libbpf's, one per site. */
    private final boolean multi;
    /** Per object, the next free id in its __bpf_usdt_specs map (the cookie a site's program finds its arguments by). */
    private final Map<Concern, Integer> nextSpecId = new EnumMap<>(Concern.class);
    /** fds of the shared maps, made before any object loads (each object holds a dup of its own); closed by close() */
    private final Map<String, Integer> shared = new java.util.HashMap<>();

    private BpfObjects(LibBpf lib, boolean multi) {
        this.lib = lib;
        this.multi = multi;
    }

    /**
     * Opens and configures the objects of the given concerns, makes the maps they share, and starts loading them, each
     * on a thread of its own: whatever needs a loaded program or map waits for the loads ({@link #awaitLoaded()}).
     *
     * @param settings bytes written at the start of each object's .rodata (its one settings struct)
     */
    static BpfObjects load(List<Concern> concerns, Map<Concern, byte[]> settings, TraceOptions options) {
        LibBpf lib = loadLibrary();
        LibBpfLog.install(lib);
        BpfObjects loaded = new BpfObjects(lib, UprobeMulti.unsupportedReason().isEmpty());
        try {
            for (Concern concern : concerns) {
                loaded.open(concern, settings.get(concern), options);
            }
        } catch (RuntimeException e) {
            loaded.close();
            throw e;
        }
        loaded.objects.forEach((concern, obj) -> loaded.loads.put(concern, LOADERS.submit(() -> {
            try {
                loaded.loadOne(concern, obj);
            } finally {
                loaded.loadedInOrder.add(concern);
            }
        })));
        return loaded;
    }

    /** Threads that load the objects, one each; daemons, so that a JVM never waits for them to exit. */
    private static final ExecutorService LOADERS = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "pybudget-bpf-load");
        t.setDaemon(true);
        return t;
    });

    /**
     * The objects' loads, side by side: most of a start is the kernel verifying programs, which it does for separate
     * programs independently (they share maps by fd, made before), and meanwhile the caller starts the workload and
     * maps the ring buffer. Empty once {@link #awaitLoaded()} has seen them end.
     */
    private final Map<Concern, Future<?>> loads = new EnumMap<>(Concern.class);
    /** The objects in the order their loads ended. */
    private final BlockingQueue<Concern> loadedInOrder = new LinkedBlockingQueue<>();
    /** The first load's failure, thrown by every later {@link #awaitLoaded()}. */
    private RuntimeException loadFailure;

    /**
     * Returns once every object is loaded, or throws the first load's failure (its one sentence) once every load has
     * ended, so that {@link #close()} frees them all.
     */
    synchronized void awaitLoaded() {
        boolean interrupted = false;
        for (Future<?> load : loads.values()) {
            while (true) {
                try {
                    load.get();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true; // the loads must end before close() may free their objects
                } catch (ExecutionException e) {
                    if (loadFailure == null) {
                        loadFailure = e.getCause() instanceof RuntimeException r ? r
                                : new IllegalStateException("a BPF object's load failed", e.getCause());
                    }
                    break;
                }
            }
        }
        loads.clear();
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (loadFailure != null) {
            throw loadFailure;
        }
    }

    /**
     * The {@code i}-th object to attach: while loads are under way, the next one loaded (its load's failure thrown,
     * once every load has ended), so that the kernel's first uprobe registration, which waits for an RCU grace period
     * (10-20 ms here), overlaps the loads still running; else in the objects' order.
     */
    private Concern nextToAttach(List<Concern> inOrder, int i) {
        if (loads.isEmpty()) {
            return inOrder.get(i);
        }
        boolean interrupted = false;
        Concern concern = null;
        while (concern == null) {
            try {
                concern = loadedInOrder.take();
            } catch (InterruptedException e) {
                interrupted = true; // a load always ends: wait for it, as awaitLoaded() does
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        try {
            loads.get(concern).get();
        } catch (ExecutionException | InterruptedException e) {
            awaitLoaded(); // the first failure, once every load has ended (through an interrupt too)
        }
        return concern;
    }

    private static LibBpf loadLibrary() {
        try {
            return LibBpf.load();
        } catch (UnsatisfiedLinkError e) {
            throw new TraceException("libbpf.so.1 could not be loaded: install Debian's libbpf1 (apt-get install libbpf1).", e);
        }
    }

    /** Opens the object of {@code concern} and configures it: the shared maps' fds, sizes, settings. */
    private void open(Concern concern, byte[] settings, TraceOptions options) {
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
            if (name.equals("events")) {
                check(lib.bpf_map__set_max_entries(map, options.ringBufferBytes()), "size the ring buffer");
            }
            if (SHARED_MAPS.contains(name)) {
                if (!shared.containsKey(name)) {
                    shared.put(name, create(map, name));
                }
                check(lib.bpf_map__reuse_fd(map, shared.get(name)), "share the map " + name + " with " + concern.object);
            } else if (name.equals("call_counts") || name.equals("call_ids") || name.equals("call_totals")) {
                check(lib.bpf_map__set_max_entries(map, options.callsMapEntries()), "size the calls map");
            } else if (name.endsWith(".rodata") && settings != null) {
                writeSettings(map, settings);
            }
        }
        if (multi) {
            for (Pointer prog = lib.bpf_object__next_program(obj, null); prog != null; prog = lib.bpf_object__next_program(obj, prog)) {
                if (lib.bpf_program__type(prog) == UprobeMulti.PROG_TYPE_KPROBE) {
                    check(lib.bpf_program__set_expected_attach_type(prog, UprobeMulti.ATTACH_TYPE), "prepare a multi-uprobe program");
                }
            }
        }
    }

    /** sizeof(struct bpf_map_create_opts) in libbpf 1.1, and where map_flags is in it. */
    private static final int MAP_CREATE_OPTS_SIZE = 48, MAP_CREATE_OPTS_FLAGS = 28;

    /** A shared map made as {@code map} defines it (outside its object, so that no object has to load first); its fd. */
    private int create(Pointer map, String name) {
        Memory opts = new Memory(MAP_CREATE_OPTS_SIZE);
        opts.clear();
        opts.setLong(0, MAP_CREATE_OPTS_SIZE);
        opts.setInt(MAP_CREATE_OPTS_FLAGS, lib.bpf_map__map_flags(map));
        int fd = lib.bpf_map_create(lib.bpf_map__type(map), name, lib.bpf_map__key_size(map), lib.bpf_map__value_size(map),
                lib.bpf_map__max_entries(map), opts);
        if (fd < 0 && Errno.isPermission(-fd)) {
            throw new TraceException("Loading BPF programs was refused (" + Errno.describe(-fd) + "): " + Errno.NEED_RIGHTS + ".");
        }
        check(fd, "create the map " + name);
        return fd;
    }

    /** Loads one opened object: the kernel verifies its programs. Runs on a thread of its own beside the others. */
    private void loadOne(Concern concern, Pointer obj) {
        LibBpfLog.clear();
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
        Integer fd = shared.get(name);
        if (fd != null) {
            return fd; // made before any load: the event stream maps it while the programs are verified
        }
        awaitLoaded();
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

    /**
     * Attaches every program of every loaded object to the probes in {@code binary}, for process {@code pid} only:
     * each program to all the sites of its probe in one multi-uprobe link where the kernel has them, else
     * (libbpf) one uprobe per site.
     *
     * @param sites every USDT note of {@code binary} ({@link dev.pybudget.elf.PythonBinary#probes()})
     */
    void attach(int pid, String binary, Set<String> probes, List<UsdtProbe> sites) {
        ElfFile elf = null;
        List<Concern> inOrder = new ArrayList<>(objects.keySet());
        for (int i = 0; i < inOrder.size(); i++) {
            Concern concern = nextToAttach(inOrder, i);
            Map.Entry<Concern, Pointer> entry = Map.entry(concern, objects.get(concern));
            for (Map.Entry<String, String> program : entry.getKey().programs.entrySet()) {
                if (!probes.contains(program.getValue())) {
                    continue;
                }
                Pointer prog = lib.bpf_object__find_program_by_name(entry.getValue(), program.getKey());
                List<UsdtProbe> at = sites.stream().filter(p -> p.name().equals(program.getValue())).toList();
                if (multi) {
                    elf = elf != null ? elf : readElf(binary);
                    attachUsdtMulti(pid, binary, entry.getKey(), prog, program.getValue(), at, elf);
                    continue;
                }
                LibBpfLog.clear();
                Pointer link = lib.bpf_program__attach_usdt(prog, pid, binary, "python", program.getValue(), null);
                if (link == null) {
                    throw usdtFailed(Native.getLastError(), pid, binary, program.getValue(), LibBpfLog.lastError());
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

    private static ElfFile readElf(String binary) {
        try {
            return ElfFile.read(java.nio.file.Path.of(binary));
        } catch (IOException e) {
            throw new TraceException(binary + " could not be read: " + e.getMessage() + ".", e);
        }
    }

    private static TraceException usdtFailed(int errno, int pid, String binary, String probe, String detail) {
        if (Errno.isPermission(errno)) {
            return new TraceException("Attaching to the USDT probe " + probe + " of " + binary
                    + " was refused (" + Errno.describe(errno) + "): " + Errno.NEED_RIGHTS + ".");
        }
        if (errno == Errno.ESRCH || errno == Errno.ENOENT) {
            return new TraceException("The workload (pid " + pid + ") ended before its probes were attached.");
        }
        return new TraceException("Attaching to the USDT probe " + probe + " of " + binary + " failed ("
                + Errno.describe(errno) + "): " + detail);
    }

    /**
     * All sites of one probe in one link: each site's argument spec goes into the object's {@code __bpf_usdt_specs}
     * (what libbpf's attach would write), its id is the site's cookie, and its semaphore offset is given so that
     * the kernel raises it while attached (CPython evaluates a probe's arguments only then).
     */
    private void attachUsdtMulti(int pid, String binary, Concern concern, Pointer prog, String probe, List<UsdtProbe> sites,
            ElfFile elf) {
        int n = sites.size();
        long[] offsets = new long[n], semaphores = new long[n], cookies = new long[n];
        int specs = mapFd(objects.get(concern), "__bpf_usdt_specs");
        for (int i = 0; i < n; i++) {
            UsdtProbe site = sites.get(i);
            // UsdtSpec reads what libbpf 1.1's x86-64 parser reads: an argument it cannot read, libbpf could not either.
            byte[] spec = UsdtSpec.of(site.arguments()).orElseThrow(() -> new TraceException("Attaching to the USDT probe "
                    + probe + " of " + binary + " failed: unrecognized arg in '" + site.arguments()
                    + "' (a form of argument that neither pybudget nor libbpf reads)."));
            int id = nextSpecId.merge(concern, 1, Integer::sum) - 1;
            byte[] key = {(byte) id, (byte) (id >> 8), (byte) (id >> 16), (byte) (id >> 24)};
            check(lib.bpf_map_update_elem(specs, key, spec, 0), "write a USDT argument spec");
            offsets[i] = site.locationFileOffset(elf);
            semaphores[i] = site.hasSemaphore() ? site.semaphoreFileOffset(elf) : 0;
            cookies[i] = id;
        }
        try {
            multiLinks.add(UprobeMulti.link(lib.bpf_program__fd(prog), binary, offsets, semaphores, cookies, false, pid));
        } catch (UprobeMulti.LinkException e) {
            throw usdtFailed(e.errno, pid, binary, probe, "the kernel refused a multi-uprobe link (-D" + UprobeMulti.OFF_PROPERTY
                    + "=true attaches one uprobe per site instead).");
        }
    }

    private int mapFd(Pointer obj, String name) {
        Pointer map = lib.bpf_object__find_map_by_name(obj, name);
        if (map == null) {
            throw new IllegalStateException("no BPF map named " + name);
        }
        return lib.bpf_map__fd(map);
    }

    /** A program of a loaded object, by name. */
    Pointer program(Concern concern, String name) {
        awaitLoaded();
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
     * Attaches the symbol-probe sites (uprobes or uretprobes at function offsets of {@code binary}, each with a BPF
     * cookie its program reads), for process {@code pid} only: the sites of one program and kind in one multi-uprobe
     * link where the kernel has them, else one uprobe each.
     */
    void attachUprobes(int pid, String binary, List<SymbolProbes.Site> sites) {
        awaitLoaded();
        if (!multi) {
            for (SymbolProbes.Site site : sites) {
                attachUprobe(pid, binary, site.concern(), site.program(), site.offset(), site.atReturn(), site.cookie(), site.symbol());
            }
            return;
        }
        Map<List<Object>, List<SymbolProbes.Site>> byProgram = new java.util.LinkedHashMap<>();
        for (SymbolProbes.Site site : sites) {
            byProgram.computeIfAbsent(List.of(site.concern(), site.program(), site.atReturn()), k -> new ArrayList<>()).add(site);
        }
        for (List<SymbolProbes.Site> group : byProgram.values()) {
            SymbolProbes.Site first = group.get(0);
            Pointer prog = program(first.concern(), first.program());
            long[] offsets = group.stream().mapToLong(SymbolProbes.Site::offset).toArray();
            long[] cookies = group.stream().mapToLong(SymbolProbes.Site::cookie).toArray();
            try {
                multiLinks.add(UprobeMulti.link(lib.bpf_program__fd(prog), binary, offsets, null, cookies, first.atReturn(), pid));
            } catch (UprobeMulti.LinkException e) {
                String what = String.join(", ", group.stream().map(SymbolProbes.Site::symbol).distinct().toList());
                throw uprobeFailed(e.errno, pid, binary, what, "the kernel refused a multi-uprobe link"
                        + " (-D" + UprobeMulti.OFF_PROPERTY + "=true attaches one uprobe per site instead).");
            }
        }
    }

    /**
     * Attaches {@code program} of the {@code concern}'s object as a uprobe (or uretprobe) at
     * {@code offset} of {@code binary}, for process {@code pid} only, with a BPF cookie the program reads.
     */
    void attachUprobe(int pid, String binary, Concern concern, String program, long offset, boolean atReturn, long cookie,
            String what) {
        if (multi) {
            attachUprobes(pid, binary, List.of(new SymbolProbes.Site(concern, program, what, offset, atReturn, cookie)));
            return;
        }
        Pointer prog = program(concern, program);
        Memory opts = new Memory(UPROBE_OPTS_SIZE);
        opts.clear();
        opts.setLong(0, UPROBE_OPTS_SIZE);
        opts.setLong(16, cookie);
        opts.setByte(24, (byte) (atReturn ? 1 : 0));
        LibBpfLog.clear();
        Pointer link = lib.bpf_program__attach_uprobe_opts(prog, pid, binary, offset, opts);
        if (link == null) {
            throw uprobeFailed(Native.getLastError(), pid, binary, what, LibBpfLog.lastError());
        }
        links.add(link);
    }

    private static TraceException uprobeFailed(int errno, int pid, String binary, String what, String detail) {
        if (Errno.isPermission(errno)) {
            return new TraceException("Attaching to the function " + what + " of " + binary + " was refused ("
                    + Errno.describe(errno) + "): " + Errno.NEED_RIGHTS + ".");
        }
        if (errno == Errno.ESRCH || errno == Errno.ENOENT) {
            return new TraceException("The workload (pid " + pid + ") ended before its probes were attached.");
        }
        return new TraceException("Attaching to the function " + what + " of " + binary + " failed ("
                + Errno.describe(errno) + "): " + detail);
    }

    /** sizeof(struct bpf_uprobe_opts) in libbpf 1.0-1.1: sz, ref_ctr_offset, bpf_cookie, retprobe (padded), func_name. */
    private static final int UPROBE_OPTS_SIZE = 40;

    /** Threads closing multi-uprobe links (see {@link #startDetaching()}); close() waits for them. */
    private final List<Thread> detaching = new ArrayList<>();

    /**
     * Starts closing the multi-uprobe links, side by side, and returns at once: each close unregisters its sites
     * and then waits for RCU grace periods (tens of milliseconds), which concurrent closes share. Only for a
     * trace whose workload has exited, so that the wait overlaps the final reading; {@link #close()} waits
     * for it (and starts it if nobody did).
     */
    synchronized void startDetaching() {
        for (int fd : multiLinks) {
            Thread t = new Thread(() -> LibC.INSTANCE.close(fd), "pybudget-detach-" + fd);
            t.setDaemon(true);
            t.start();
            detaching.add(t);
        }
        multiLinks.clear();
    }

    private void awaitDetaching() {
        boolean interrupted = false;
        for (Thread t : detaching) {
            while (true) {
                try {
                    t.join();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true; // the links must be gone before the programs and maps are freed
                }
            }
        }
        detaching.clear();
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    LibBpf lib() {
        return lib;
    }

    /**
     * One daemon thread detaches, in order, the probes of traces whose workload has exited: the kernel
     * unregisters a per-site uprobe under a global lock and waits for RCU grace periods, about 0.1 s per probe,
     * one after the other (threads do not overlap them); a multi-uprobe link waits once for all its sites.
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
        try {
            awaitLoaded();
        } catch (RuntimeException e) {
            // Said by whoever started the trace; the objects are freed all the same.
        }
        startDetaching();
        awaitDetaching();
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
        shared.values().forEach(LibC.INSTANCE::close);
        shared.clear();
    }
}

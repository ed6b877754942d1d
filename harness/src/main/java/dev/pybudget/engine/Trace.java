package dev.pybudget.engine;

import dev.pybudget.elf.Marker;
import dev.pybudget.elf.PythonBinary;
import dev.pybudget.recording.PythonInfo;
import dev.pybudget.recording.Recording;
import dev.pybudget.recording.Sections;
import dev.pybudget.recording.Window;
import dev.pybudget.recording.WindowSpan;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * A running, traced workload. Read what it did so far with {@link #snapshot()}, mark windows
 * from Java with {@link #openWindow(String)} or {@link #record(String, Runnable)}, and end with
 * {@link #finish()} (waits for the workload) or {@link #close()} (stops it). Both detach every
 * probe and free every map.
 */
public final class Trace implements AutoCloseable {

    private final PythonBinary python;
    private final List<String> probes;
    private final List<String> missingProbes;
    private final Optional<String> missingProbesReason;
    private final BpfObjects bpf;
    private final EventStream stream;
    /** The traced process; {@link #child} too when this JVM started it (only a child has an exit status here). */
    private final ProcessHandle process;
    private final Process child;
    /** Empty when attached before the first bytecode; else how long the process had run when attached. */
    private final OptionalLong attachedAfterNanos;
    private final long originNanos;
    private final TraceOptions options;
    /** Loads the BPF objects of a next trace like this one ahead (see LoadedAhead). */
    private final Runnable loadNext;
    /** Calls counted inside the workload, when they are (CallCounting.MONITORING). */
    private final Optional<InProcessCalls> inProcessCalls;
    private final Map<String, Integer> javaSlots = new LinkedHashMap<>();
    private int javaSlotsUsed;
    private final String[] javaOpen = new String[Layout.MAX_JAVA_OPEN];
    /** When each open Java window was opened (System.nanoTime), and the spans of those already closed. */
    private final long[] javaOpenedAt = new long[Layout.MAX_JAVA_OPEN];
    private final WindowSpans javaSpans = new WindowSpans();
    private Recording last;
    private long streamed;
    /** Volatile: end() reads it before taking this trace's lock. */
    private volatile boolean closed;

    Trace(PythonBinary python, List<String> probes, List<String> missingProbes, Optional<String> missingProbesReason,
          BpfObjects bpf, EventStream stream, Process process, long originNanos, TraceOptions options, Runnable loadNext,
          Optional<InProcessCalls> inProcessCalls) {
        this(python, probes, missingProbes, missingProbesReason, bpf, stream, process.toHandle(), process, OptionalLong.empty(),
                originNanos, options, loadNext, inProcessCalls);
    }

    Trace(PythonBinary python, List<String> probes, List<String> missingProbes, Optional<String> missingProbesReason,
          BpfObjects bpf, EventStream stream, ProcessHandle process, Process child, OptionalLong attachedAfterNanos,
          long originNanos, TraceOptions options, Runnable loadNext, Optional<InProcessCalls> inProcessCalls) {
        this.python = python;
        this.probes = probes;
        this.missingProbes = missingProbes;
        this.missingProbesReason = missingProbesReason;
        this.bpf = bpf;
        this.stream = stream;
        this.process = process;
        this.child = child;
        this.attachedAfterNanos = attachedAfterNanos;
        this.originNanos = originNanos;
        this.options = options;
        this.loadNext = loadNext;
        this.inProcessCalls = inProcessCalls;
    }

    public long pid() {
        return process.pid();
    }

    /** The traced CPython's version, e.g. "3.11.2". */
    public String pythonVersion() {
        return python.version();
    }

    public boolean isRunning() {
        return process.isAlive();
    }

    /**
     * What happened from the start until now. The counters are read first and the stream drained
     * after, so that the stream holds every event the counts include (an import counted but not yet
     * drained would be missing from the tree); it may hold a few more, from between the two.
     */
    public synchronized Recording snapshot() {
        if (closed) {
            return last;
        }
        KernelCounters counters = KernelCounters.read(bpf, javaSlots.values());
        List<StreamEvent> events = stream.drain();
        streamed = events.size();
        long now = System.nanoTime();
        ProbeFamily.Streamed stream = new ProbeFamily.Streamed(events, new ImportTrees(events, originNanos, now), originNanos);
        Sections whole = counters.scopes().sections(Set.of(0), stream);

        Map<String, Set<Integer>> slotsByName = new LinkedHashMap<>();
        counters.pythonWindows().entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> slotsByName.computeIfAbsent(e.getValue(), n -> new LinkedHashSet<>()).add(e.getKey()));
        javaSlots.forEach((name, slot) -> slotsByName.computeIfAbsent(name, n -> new LinkedHashSet<>()).add(slot));
        WindowSpans pythonSpans = WindowSpans.fromMarks(events, originNanos, now);
        List<Window> windows = new ArrayList<>();
        slotsByName.forEach((name, slots) -> windows.add(new Window(name,
                counters.scopes().sections(slots, stream),
                slots.stream().mapToLong(slot -> counters.unfollowedEnds().getOrDefault(slot, 0L)).sum(),
                spans(name, pythonSpans, now))));

        // A process this JVM did not start has no exit status here: whoever knows it (Docker) adds it.
        Optional<Integer> exit = child == null || child.isAlive() ? Optional.empty() : Optional.of(child.exitValue());
        PythonInfo info = new PythonInfo(python.executable().toString(), python.version(), process.pid(), attachedAfterNanos);
        List<String> attached = new ArrayList<>(probes);
        if (probes.contains(Tracer.CALL_PROBE)) {
            attached.add("calls:usdt");
        }
        if (inProcessCalls.isPresent()) {
            InProcessReading counted = InProcessReading.of(inProcessCalls.get().read(), whole, windows, javaSlots,
                    counters.losses(), probes.contains(Marker.AUDIT.probe()), python, !process.isAlive());
            last = new Recording(info,
                    counted.probes(attached), counted.missingProbes(missingProbes), now - originNanos, counted.whole(),
                    counters.losses().events(), counted.losses(), counted.windows(), exit, options.callPattern(),
                    counted.missingProbesReason(missingProbesReason));
            return last;
        }
        last = new Recording(info, attached,
                missingProbes, now - originNanos, whole, counters.losses().events(), counters.losses(), windows, exit,
                options.callPattern(), missingProbesReason);
        return last;
    }

    /** The times a window was open: from Python's marks, from Java's open and close, the Java window still open included. */
    private List<WindowSpan> spans(String name, WindowSpans pythonSpans, long now) {
        WindowSpans all = new WindowSpans();
        pythonSpans.of(name).forEach(s -> all.add(name, s));
        javaSpans.of(name).forEach(s -> all.add(name, s));
        for (int i = 0; i < javaOpen.length; i++) {
            if (name.equals(javaOpen[i])) {
                all.add(name, new WindowSpan(WindowSpan.PROCESS, javaOpenedAt[i] - originNanos, now - javaOpenedAt[i], true));
            }
        }
        return all.of(name);
    }

    /**
     * Stream records delivered up to the last reading (snapshot, finish): with the records lost
     * ({@code losses().events()}), every record the probes wrote. Each import writes two (start,
     * done), each window mark one, and each audit event one when audit events are streamed.
     */
    public synchronized long streamedEvents() {
        return streamed;
    }

    /**
     * Opens a window that holds everything the process does, on every thread, until it is closed.
     * At most four Java windows are open at once.
     */
    public synchronized JavaWindow openWindow(String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("A window needs a name.");
        }
        if (closed) {
            throw new IllegalStateException("The trace has ended; windows can no longer be opened.");
        }
        int index = -1;
        for (int i = 0; i < javaOpen.length && index < 0; i++) {
            if (javaOpen[i] == null) {
                index = i;
            }
        }
        if (index < 0) {
            throw new IllegalStateException("At most " + Layout.MAX_JAVA_OPEN + " windows can be open from Java at once.");
        }
        Integer slot = javaSlots.get(name);
        if (slot == null) {
            slot = slotFor(name);
            javaSlots.put(name, slot);
        }
        javaOpen[index] = name;
        setJavaWindow(index, slot);
        int opened = slot;
        int at = index;
        inProcessCalls.ifPresent(c -> c.setJavaWindow(at, c.moduleSlot(name, opened)));
        javaOpenedAt[index] = System.nanoTime();
        return new JavaWindow(this, name, index);
    }

    /**
     * A slot for a window name first opened from Java. A name marked from Python too is one window:
     * the name goes into the kernel's window_slots with its slot (or takes the slot Python's marks
     * gave it), so that an event inside both counts once. A name longer than the kernel keeps
     * (WINDOW_NAME_LEN - 1 bytes of UTF-8) cannot be told apart there, and keeps a slot of its own.
     */
    private int slotFor(String name) {
        int fresh = Layout.JAVA_SLOT_FIRST + javaSlotsUsed;
        if (fresh >= Layout.MAX_SLOTS) {
            throw new IllegalStateException("At most " + (Layout.MAX_SLOTS - Layout.JAVA_SLOT_FIRST)
                    + " distinct window names can be opened from Java in one trace.");
        }
        byte[] utf8 = name.getBytes(StandardCharsets.UTF_8);
        boolean marks = bpf.has(Concern.AUDIT) || bpf.has(Concern.AUDIT_SYMBOL);
        if (!marks || utf8.length > Layout.WINDOW_NAME_LEN - 1) {
            javaSlotsUsed++;
            return fresh;
        }
        byte[] key = java.util.Arrays.copyOf(utf8, Layout.WINDOW_KEY_SIZE);
        byte[] value = new byte[4];
        Layout.putU32(value, 0, fresh);
        int fd = bpf.mapFd("window_slots");
        if (bpf.lib().bpf_map_update_elem(fd, key, value, BPF_NOEXIST) == 0) {
            javaSlotsUsed++;
            return fresh;
        }
        if (bpf.lib().bpf_map_lookup_elem(fd, key, value) == 0) {
            return Layout.u32(value, 0); // Python named it first
        }
        throw new IllegalStateException("window_slots has no room for the window " + name + ".");
    }

    private static final long BPF_NOEXIST = 1;

    synchronized void closeWindow(int index) {
        if (!closed && javaOpen[index] != null) {
            setJavaWindow(index, 0);
            inProcessCalls.ifPresent(c -> c.setJavaWindow(index, 0));
            long closedAt = System.nanoTime();
            javaSpans.add(javaOpen[index], new WindowSpan(WindowSpan.PROCESS, javaOpenedAt[index] - originNanos,
                    closedAt - javaOpenedAt[index], false));
            javaOpen[index] = null;
        }
    }

    private void setJavaWindow(int index, int slot) {
        byte[] key = new byte[4];
        byte[] value = new byte[4];
        Layout.putU32(key, 0, index);
        Layout.putU32(value, 0, slot);
        int err = bpf.lib().bpf_map_update_elem(bpf.mapFd("java_windows"), key, value, 0);
        if (err < 0) {
            throw new TraceException("The window could not be set in the kernel: " + Errno.describe(-err) + ".");
        }
    }

    /**
     * Runs {@code work} (which drives the workload) inside the window {@code name}, and returns what
     * happened in the process while it ran (this run only, even when the name repeats), that window included.
     */
    public Recording record(String name, Runnable work) {
        return WindowedRun.record(this::snapshot, this::openWindow, name, work);
    }

    /** Waits for the workload to exit (up to the configured timeout, then stops it), and ends the trace. */
    public Recording finish() {
        return finish(options.timeout());
    }

    /** Waits for the workload to exit, up to {@code timeout} (zero: no limit), then stops it; ends the trace. */
    public Recording finish(Duration timeout) {
        try {
            // A child's own onExit: it has reaped the process, so its exit status is there for snapshot().
            var exited = child != null ? child.onExit() : process.onExit();
            if (timeout.isZero()) {
                exited.get();
            } else {
                exited.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (java.util.concurrent.TimeoutException e) {
            stop();
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stop();
        }
        return end();
    }

    /**
     * Ends the trace and leaves the workload running, untraced: every probe is detached (the kernel
     * lowers CPython's probe semaphores back to 0, so the interpreter stops evaluating probe
     * arguments), the ring buffer and maps are freed. Returns the final recording.
     */
    public Recording detach() {
        return end();
    }

    /** Stops the workload if it still runs, and ends the trace. */
    @Override
    public void close() {
        if (!closed) {
            stop();
            end();
        }
    }

    /**
     * SIGTERM to the workload and every process it started (read before it dies: orphans are
     * re-parented and no longer found), 2 s of grace, then SIGKILL to whatever still runs. A test
     * run must not leave the workload's subprocesses behind.
     */
    private void stop() {
        if (!process.isAlive()) {
            return;
        }
        List<ProcessHandle> family = new ArrayList<>(process.descendants().toList());
        family.add(process);
        family.forEach(ProcessHandle::destroy);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        try {
            for (ProcessHandle p : family) {
                long left = deadline - System.nanoTime();
                if (left > 0) {
                    p.onExit().get(left, TimeUnit.NANOSECONDS);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            // Some did not stop within the grace: killed below.
        }
        family.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
        try {
            (child != null ? child.onExit() : process.onExit()).get(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            // Still running after SIGKILL (another user's process we may not signal): the caller's container stops it.
        }
    }

    /**
     * The final reading, then every link detached, the ring buffer freed and the maps closed. When the
     * workload has exited (finish(), or close() after stopping it), no probe can fire any more: the links start
     * closing before the final reading, and the detaching (tens of milliseconds with multi-uprobe links, about
     * 0.1 s per probe without) finishes on a background thread:
     * {@link Tracer#awaitDetached()} waits for it.
     */
    private Recording end() {
        if (!closed && !process.isAlive()) {
            // No probe can fire any more: the kernel's unregistering overlaps the final reading. Started before this
            // trace's lock is taken, which a snapshot() on another thread may hold (the command line's warm-up).
            bpf.startDetaching();
        }
        return endReading();
    }

    private synchronized Recording endReading() {
        if (closed) {
            return last;
        }
        try {
            snapshot();
        } finally {
            closed = true;
            stream.close();
            if (process.isAlive()) {
                bpf.close();
            } else {
                bpf.closeInBackground();
            }
            inProcessCalls.ifPresent(InProcessCalls::close);
            loadNext.run();
        }
        return last;
    }
}

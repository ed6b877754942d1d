package dev.pybudget.engine;

import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.function.Supplier;

/**
 * BPF objects loaded ahead for this JVM's next trace. Loading them (the kernel verifying six programs
 * and creating the maps, ~0.1 s) is most of a trace's start, and a test suite traces the same
 * interpreter with the same options again and again. So when a trace ends, a fresh set with the same
 * settings is loaded on a background thread, and the next start with those settings takes it (waiting
 * if it is still loading). Every trace still gets maps of its own: nothing carries over.
 *
 * <p>At most one set waits; a start with other settings frees it. Off when the system property
 * {@value #PROPERTY} is {@code false} (the CLI and the container agent trace once, and set it).
 */
final class LoadedAhead {
    private LoadedAhead() {}

    static final String PROPERTY = "pybudget.loadAhead";

    /** What a loaded set was made for: equal keys, interchangeable sets. */
    record Key(List<Concern> concerns, Map<Concern, String> settings, int ringBufferBytes, int callsMapEntries) {
        static Key of(List<Concern> concerns, Map<Concern, byte[]> settings, TraceOptions options) {
            Map<Concern, String> hex = new TreeMap<>();
            settings.forEach((concern, bytes) -> hex.put(concern, HexFormat.of().formatHex(bytes)));
            return new Key(List.copyOf(concerns), hex, options.ringBufferBytes(), options.callsMapEntries());
        }
    }

    private static final BackgroundThread LOADER = new BackgroundThread("pybudget-load-ahead");

    private static Key waitingKey;
    private static Future<BpfObjects> waiting;

    /** The set loaded ahead for {@code key}, or one loaded now. */
    static BpfObjects take(Key key, Supplier<BpfObjects> load) {
        Future<BpfObjects> ready = null;
        synchronized (LoadedAhead.class) {
            if (waiting != null && key.equals(waitingKey)) {
                ready = waiting;
                waiting = null;
            } else {
                discard();
            }
        }
        if (ready != null) {
            try {
                return ready.get();
            } catch (ExecutionException e) {
                // Loading ahead failed: load now, which fails again with its own sentence or succeeds.
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                closeWhenLoaded(ready);
                throw new TraceException("Interrupted while the BPF programs were being loaded.", e);
            }
        }
        return load.get();
    }

    /** Loads a set for {@code key} in the background, for the next start (when loading ahead is on). */
    static synchronized void prepare(Key key, Supplier<BpfObjects> load) {
        if (!Boolean.parseBoolean(System.getProperty(PROPERTY, "true"))) {
            return;
        }
        discard();
        waitingKey = key;
        waiting = LOADER.submit(() -> {
            BpfObjects loaded = load.get();
            try {
                loaded.awaitLoaded(); // loaded here, not by the start that takes it
            } catch (RuntimeException e) {
                loaded.close();
                throw e;
            }
            return loaded;
        });
    }

    /** Frees the waiting set, if any, and returns once nothing loaded ahead is held. */
    static void release() {
        synchronized (LoadedAhead.class) {
            discard();
        }
        awaitLoaded();
    }

    /** Returns once the loader is idle: the set loaded ahead, if any, is loaded (and kept). */
    static void awaitLoaded() {
        LOADER.awaitIdle();
    }

    private static void discard() {
        if (waiting != null) {
            closeWhenLoaded(waiting);
            waiting = null;
            waitingKey = null;
        }
    }

    /** Runs after the load (one loader thread, in order), so the set is closed once it exists. */
    private static void closeWhenLoaded(Future<BpfObjects> set) {
        LOADER.execute(() -> {
            try {
                set.get().close();
            } catch (ExecutionException | InterruptedException e) {
                // Never loaded: nothing to free.
            }
        });
    }
}

package dev.pybudget.engine;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import dev.pybudget.bindings.LibBpf;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Drains the ring buffer on one thread into an append-only list. {@link #drain()} is the
 * barrier: a probe writes its record before the traced code goes on, so after drain()
 * every event that happened before the call has been read.
 */
final class EventStream implements AutoCloseable {

    private static final long POLL_NANOS = 5_000_000;

    private final LibBpf lib;
    private final Pointer ring;
    private final List<StreamEvent> events = new ArrayList<>();
    private final ReentrantLock lock = new ReentrantLock(true);
    private final Thread drainer;
    private final byte[] buffer = new byte[Layout.EVENT_SIZE];
    /** Held for as long as the ring buffer may call it. */
    private final LibBpf.SampleFn onSample;
    private volatile boolean running = true;
    private volatile RuntimeException failure;

    EventStream(LibBpf lib, int mapFd, String threadName) {
        this.lib = lib;
        this.onSample = (ctx, data, size) -> {
            data.read(0, buffer, 0, (int) Math.min(size, buffer.length));
            events.add(StreamEvent.decode(buffer));
            return 0;
        };
        this.ring = lib.ring_buffer__new(mapFd, onSample, null, null);
        if (ring == null) {
            throw new TraceException("The event ring buffer could not be opened: " + Errno.describe(Native.getLastError()) + ".");
        }
        this.drainer = new Thread(this::pollLoop, threadName);
        drainer.setDaemon(true);
        drainer.start();
    }

    /**
     * Consumes what is there, then sleeps outside the lock. (Waiting inside ring_buffer__poll would hold
     * the lock for the poll's whole timeout when nothing comes, and every drain() would wait for it:
     * 2.5 ms on average per snapshot, 5 ms at worst.)
     */
    private void pollLoop() {
        while (running) {
            lock.lock();
            try {
                if (!running) {
                    return;
                }
                int n = lib.ring_buffer__consume(ring);
                if (n < 0 && n != -4 /* EINTR */) {
                    failure = new TraceException("Reading the event ring buffer failed: " + Errno.describe(-n) + ".");
                    return;
                }
            } finally {
                lock.unlock();
            }
            LockSupport.parkNanos(POLL_NANOS);
        }
    }

    /** Reads everything in the ring buffer now, and returns a copy of all events so far. */
    List<StreamEvent> drain() {
        lock.lock();
        try {
            if (failure != null) {
                throw failure;
            }
            if (running) {
                lib.ring_buffer__consume(ring);
            }
            return List.copyOf(events);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        lock.lock();
        try {
            if (running && failure == null) {
                lib.ring_buffer__consume(ring);
            }
            running = false;
        } finally {
            lock.unlock();
        }
        try {
            drainer.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        lib.ring_buffer__free(ring);
    }
}

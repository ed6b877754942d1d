package dev.pybudget.engine;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import dev.pybudget.bindings.LibBpf;
import dev.pybudget.bindings.LibC;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Drains the ring buffer on one thread into an append-only list. {@link #drain()} is the
 * barrier: a probe writes its record before the traced code goes on, so after drain()
 * every event that happened before the call has been read.
 */
final class EventStream implements AutoCloseable {

    private static final int POLL_MS = 5;
    private static final int EINTR = 4;

    private final LibBpf lib;
    private final Pointer ring;
    private final List<StreamEvent> events = new ArrayList<>();
    private final ReentrantLock lock = new ReentrantLock(true);
    private final Thread drainer;
    private final byte[] buffer = new byte[Layout.EVENT_SIZE];
    /** Held for as long as the ring buffer may call it. */
    private final LibBpf.SampleFn onSample;
    /** Reads the ring's memory directly; null when it could not be mapped (then libbpf's callback reads). */
    private final RingReader reader;
    private final RingReader.Sink onRecord;
    private volatile boolean running = true;
    private volatile RuntimeException failure;

    /**
     * @param ringBytes the ring buffer map's size (its max_entries)
     */
    EventStream(LibBpf lib, int mapFd, int ringBytes, String threadName) {
        this.lib = lib;
        this.onSample = (ctx, data, size) -> {
            data.read(0, buffer, 0, (int) Math.min(size, buffer.length));
            events.add(StreamEvent.decode(buffer));
            return 0;
        };
        this.onRecord = (data, offset, length) -> {
            data.get(offset, buffer, 0, Math.min(length, buffer.length));
            events.add(StreamEvent.decode(buffer));
        };
        // libbpf's ring buffer also gives the epoll fd the poll loop waits on.
        this.ring = lib.ring_buffer__new(mapFd, onSample, null, null);
        if (ring == null) {
            throw new TraceException("The event ring buffer could not be opened: " + Errno.describe(Native.getLastError()) + ".");
        }
        this.reader = RingReader.open(mapFd, ringBytes).orElse(null);
        this.drainer = new Thread(this::pollLoop, threadName);
        drainer.setDaemon(true);
        drainer.start();
    }

    /**
     * Waits for the ring buffer outside the lock, so that {@link #drain()} never waits for a poll to time
     * out, then reads what gathered. The programs submit records without a wake-up unless the ring is a
     * quarter full, so most rounds end by the timeout and read a batch.
     */
    private void pollLoop() {
        Memory ready = new Memory(12); // one struct epoll_event
        int epfd = lib.ring_buffer__epoll_fd(ring);
        while (running) {
            int woken = LibC.INSTANCE.epoll_wait(epfd, ready, 1, POLL_MS);
            if (woken < 0 && Native.getLastError() != EINTR) {
                failure = new TraceException("Waiting for the event ring buffer failed: " + Errno.describe(Native.getLastError()) + ".");
                return;
            }
            lock.lock();
            try {
                if (!running) {
                    return;
                }
                int n = consume();
                if (n < 0 && n != -EINTR) {
                    failure = new TraceException("Reading the event ring buffer failed: " + Errno.describe(-n) + ".");
                    return;
                }
            } finally {
                lock.unlock();
            }
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
                consume();
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
                consume();
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
        if (reader != null) {
            reader.close();
        }
        lib.ring_buffer__free(ring);
    }

    /**
     * Reads every record in the ring now, under the lock. Directly from the ring's memory: one JNA callback
     * per record (libbpf's reader) drained about 0.3 M records/s here.
     */
    private int consume() {
        return reader != null ? reader.consume(onRecord) : lib.ring_buffer__consume(ring);
    }
}

package dev.pybudget.engine;

import com.sun.jna.Pointer;
import dev.pybudget.bindings.LibC;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;

/**
 * Reads a BPF ring buffer's records straight from its memory, as libbpf's ring_buffer__consume does, but
 * without a JNA callback per record. The map fd is mapped as libbpf maps it: the consumer page read-write
 * (we publish how far we have read), and the producer page followed by the data pages, read-only, with the
 * data mapped twice in a row so that a record that wraps around the end is contiguous. Each record has an
 * 8-byte header: its length, with a busy bit (still being written) and a discard bit, then 4 bytes the
 * kernel uses; records are 8-byte aligned.
 */
final class RingReader implements AutoCloseable {

    private static final int BUSY = 1 << 31;
    private static final int DISCARD = 1 << 30;
    private static final int HEADER = 8;
    private static final int PROT_READ = 1;
    private static final int PROT_WRITE = 2;
    private static final int MAP_SHARED = 1;
    private static final VarHandle LONG = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.nativeOrder());
    private static final VarHandle INT = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.nativeOrder());

    /** Gets the bytes of one record: {@code length} bytes at {@code offset} of {@code data}. */
    interface Sink {
        void accept(ByteBuffer data, int offset, int length);
    }

    private final Pointer consumerMap;
    private final Pointer producerMap;
    private final long pageSize;
    private final long producerLength;
    private final ByteBuffer consumer;
    private final ByteBuffer producer;
    private final long mask;
    private boolean closed;

    private RingReader(Pointer consumerMap, Pointer producerMap, long pageSize, long producerLength, long ringBytes) {
        this.consumerMap = consumerMap;
        this.producerMap = producerMap;
        this.pageSize = pageSize;
        this.producerLength = producerLength;
        this.consumer = consumerMap.getByteBuffer(0, pageSize);
        this.producer = producerMap.getByteBuffer(0, producerLength);
        this.mask = ringBytes - 1;
    }

    /** Maps the ring buffer map {@code mapFd} of {@code ringBytes} bytes; empty when it cannot (then use libbpf's reader). */
    static Optional<RingReader> open(int mapFd, int ringBytes) {
        LibC libc = LibC.INSTANCE;
        long page = libc.getpagesize();
        long producerLength = page + 2L * ringBytes;
        if (producerLength > Integer.MAX_VALUE || Integer.bitCount(ringBytes) != 1) {
            return Optional.empty(); // a ByteBuffer indexes with an int
        }
        Pointer consumer = libc.mmap(null, page, PROT_READ | PROT_WRITE, MAP_SHARED, mapFd, 0);
        if (failed(consumer)) {
            return Optional.empty();
        }
        Pointer producer = libc.mmap(null, producerLength, PROT_READ, MAP_SHARED, mapFd, page);
        if (failed(producer)) {
            libc.munmap(consumer, page);
            return Optional.empty();
        }
        return Optional.of(new RingReader(consumer, producer, page, producerLength, ringBytes));
    }

    private static boolean failed(Pointer p) {
        return p == null || Pointer.nativeValue(p) == -1L;
    }

    /** Hands every committed record to {@code sink}, in order, freeing its space as it goes; returns how many. */
    int consume(Sink sink) {
        if (closed) {
            return 0;
        }
        long consumed = (long) LONG.getAcquire(consumer, 0);
        int n = 0;
        boolean more = true;
        while (more) {
            more = false;
            long produced = (long) LONG.getAcquire(producer, 0);
            while (consumed < produced) {
                int at = (int) (pageSize + (consumed & mask));
                int header = (int) INT.getAcquire(producer, at);
                if ((header & BUSY) != 0) {
                    return n; // still being written: the records after it wait for it
                }
                more = true;
                int length = header & ~(BUSY | DISCARD);
                consumed += (length + HEADER + 7) & ~7L;
                if ((header & DISCARD) == 0) {
                    sink.accept(producer, at + HEADER, length);
                    n++;
                }
                LONG.setRelease(consumer, 0, consumed);
            }
        }
        return n;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            LibC.INSTANCE.munmap(producerMap, producerLength);
            LibC.INSTANCE.munmap(consumerMap, pageSize);
        }
    }
}

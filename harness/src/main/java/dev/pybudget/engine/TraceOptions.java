package dev.pybudget.engine;

import java.time.Duration;
import java.util.Optional;

/**
 * What to record. Immutable: every {@code withX} returns a new value.
 *
 * @param callPattern     count calls of functions whose {@code co_filename:co_name} matches this glob
 *                        ('*' and '?'); empty: attach no call probe (it costs a uprobe per call)
 * @param streamAudit     also stream each audit event with its time and thread
 * @param ringBufferBytes size of the event ring buffer (a power of two, at least a page)
 * @param callsMapEntries room for distinct (window, function) call counts
 * @param requireProbes   fail when a probe that is asked for is missing; otherwise record it as missing
 * @param timeout         stop the workload after this long (zero: never)
 * @param kernelContext   also record the kernel's side of every scope: off-CPU time, context switches, page
 *                        faults and syscalls of the workload's threads (kernel.bpf.o; see docs/writing-tests.md)
 */
public record TraceOptions(Optional<String> callPattern, boolean streamAudit, int ringBufferBytes,
                           int callsMapEntries, boolean requireProbes, Duration timeout, boolean kernelContext) {

    /** Options without the kernel context, as before it existed. */
    public TraceOptions(Optional<String> callPattern, boolean streamAudit, int ringBufferBytes, int callsMapEntries,
                        boolean requireProbes, Duration timeout) {
        this(callPattern, streamAudit, ringBufferBytes, callsMapEntries, requireProbes, timeout, false);
    }

    public static TraceOptions defaults() {
        return new TraceOptions(Optional.empty(), false, 1 << 22, 16384, true, Duration.ZERO);
    }

    public TraceOptions withCallPattern(String pattern) {
        return new TraceOptions(Optional.of(CallPattern.parse(pattern).text()), streamAudit, ringBufferBytes,
                callsMapEntries, requireProbes, timeout, kernelContext);
    }

    public TraceOptions withStreamAudit(boolean stream) {
        return new TraceOptions(callPattern, stream, ringBufferBytes, callsMapEntries, requireProbes, timeout, kernelContext);
    }

    public TraceOptions withRingBufferBytes(int bytes) {
        if (bytes < 4096 || Integer.bitCount(bytes) != 1) {
            throw new IllegalArgumentException("the ring buffer size must be a power of two of at least 4096 bytes, got " + bytes);
        }
        return new TraceOptions(callPattern, streamAudit, bytes, callsMapEntries, requireProbes, timeout, kernelContext);
    }

    public TraceOptions withCallsMapEntries(int entries) {
        if (entries < 1) {
            throw new IllegalArgumentException("the calls map needs at least one entry, got " + entries);
        }
        return new TraceOptions(callPattern, streamAudit, ringBufferBytes, entries, requireProbes, timeout, kernelContext);
    }

    public TraceOptions withRequireProbes(boolean require) {
        return new TraceOptions(callPattern, streamAudit, ringBufferBytes, callsMapEntries, require, timeout, kernelContext);
    }

    public TraceOptions withTimeout(Duration limit) {
        return new TraceOptions(callPattern, streamAudit, ringBufferBytes, callsMapEntries, requireProbes, limit, kernelContext);
    }

    public TraceOptions withKernelContext(boolean record) {
        return new TraceOptions(callPattern, streamAudit, ringBufferBytes, callsMapEntries, requireProbes, timeout, record);
    }
}

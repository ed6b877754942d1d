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
 * @param callCounting    how calls of the pattern are counted: in the kernel ({@link CallCounting#USDT}),
 *                        inside the workload ({@link CallCounting#MONITORING}), or the cheaper of the two
 */
public record TraceOptions(Optional<String> callPattern, boolean streamAudit, int ringBufferBytes,
                           int callsMapEntries, boolean requireProbes, Duration timeout, CallCounting callCounting) {

    public TraceOptions {
        java.util.Objects.requireNonNull(callCounting, "callCounting");
    }

    /** The options of earlier versions: calls counted the cheaper way. */
    public TraceOptions(Optional<String> callPattern, boolean streamAudit, int ringBufferBytes,
                        int callsMapEntries, boolean requireProbes, Duration timeout) {
        this(callPattern, streamAudit, ringBufferBytes, callsMapEntries, requireProbes, timeout, CallCounting.AUTO);
    }

    public static TraceOptions defaults() {
        return new TraceOptions(Optional.empty(), false, 1 << 22, 16384, true, Duration.ZERO, CallCounting.AUTO);
    }

    /** Counts calls in the kernel, inside the workload, or (AUTO, the default) the cheaper way for this CPython. */
    public TraceOptions withCallCounting(CallCounting how) {
        return new TraceOptions(callPattern, streamAudit, ringBufferBytes, callsMapEntries, requireProbes, timeout, how);
    }

    public TraceOptions withCallPattern(String pattern) {
        return new TraceOptions(Optional.of(CallPattern.parse(pattern).text()), streamAudit, ringBufferBytes,
                callsMapEntries, requireProbes, timeout, callCounting);
    }

    public TraceOptions withStreamAudit(boolean stream) {
        return new TraceOptions(callPattern, stream, ringBufferBytes, callsMapEntries, requireProbes, timeout, callCounting);
    }

    public TraceOptions withRingBufferBytes(int bytes) {
        if (bytes < 4096 || Integer.bitCount(bytes) != 1) {
            throw new IllegalArgumentException("the ring buffer size must be a power of two of at least 4096 bytes, got " + bytes);
        }
        return new TraceOptions(callPattern, streamAudit, bytes, callsMapEntries, requireProbes, timeout, callCounting);
    }

    public TraceOptions withCallsMapEntries(int entries) {
        if (entries < 1) {
            throw new IllegalArgumentException("the calls map needs at least one entry, got " + entries);
        }
        return new TraceOptions(callPattern, streamAudit, ringBufferBytes, entries, requireProbes, timeout, callCounting);
    }

    public TraceOptions withRequireProbes(boolean require) {
        return new TraceOptions(callPattern, streamAudit, ringBufferBytes, callsMapEntries, require, timeout, callCounting);
    }

    public TraceOptions withTimeout(Duration limit) {
        return new TraceOptions(callPattern, streamAudit, ringBufferBytes, callsMapEntries, requireProbes, limit, callCounting);
    }
}

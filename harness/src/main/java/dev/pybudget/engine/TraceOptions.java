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
 * @param callsMapEntries room for distinct functions (named and counted over the whole run), and as much again for
 *                        distinct (window, function) call counts
 * @param requireProbes   fail when a probe that is asked for is missing; otherwise record it as missing
 * @param timeout         stop the workload after this long (zero: never)
 * @param kernelContext   also record the kernel's side of every scope: off-CPU time, context switches, page
 *                        faults and syscalls of the workload's threads (kernel.bpf.o; see docs/writing-tests.md)
 * @param callCounting    how calls of the pattern are counted: in the kernel ({@link CallCounting#USDT}),
 *                        inside the workload ({@link CallCounting#MONITORING}), or the cheaper way (AUTO)
 * @param gilWaits        also record every scope's waits for the GIL (take_gil, found by symbol: gil.bpf.o; see
 *                        docs/writing-tests.md); a CPython whose take_gil cannot be found is refused with one sentence
 */
public record TraceOptions(Optional<String> callPattern, boolean streamAudit, int ringBufferBytes,
                           int callsMapEntries, boolean requireProbes, Duration timeout, boolean kernelContext,
                           CallCounting callCounting, boolean gilWaits) {

    public TraceOptions {
        java.util.Objects.requireNonNull(callCounting, "callCounting");
    }

    /** Options without the GIL waits, as before they existed. */
    public TraceOptions(Optional<String> callPattern, boolean streamAudit, int ringBufferBytes, int callsMapEntries,
                        boolean requireProbes, Duration timeout, boolean kernelContext, CallCounting callCounting) {
        this(callPattern, streamAudit, ringBufferBytes, callsMapEntries, requireProbes, timeout, kernelContext, callCounting,
                false);
    }

    /** Options without a choice of how calls are counted, as before it existed: the cheaper way. */
    public TraceOptions(Optional<String> callPattern, boolean streamAudit, int ringBufferBytes, int callsMapEntries,
                        boolean requireProbes, Duration timeout, boolean kernelContext) {
        this(callPattern, streamAudit, ringBufferBytes, callsMapEntries, requireProbes, timeout, kernelContext,
                CallCounting.AUTO);
    }

    /** Options without the kernel context, as before it existed. */
    public TraceOptions(Optional<String> callPattern, boolean streamAudit, int ringBufferBytes, int callsMapEntries,
                        boolean requireProbes, Duration timeout) {
        this(callPattern, streamAudit, ringBufferBytes, callsMapEntries, requireProbes, timeout, false);
    }

    /** Counts calls in the kernel, inside the workload, or (AUTO, the default) the cheaper way for this CPython. */
    public TraceOptions withCallCounting(CallCounting how) {
        return new TraceOptions(callPattern, streamAudit, ringBufferBytes, callsMapEntries, requireProbes, timeout,
                kernelContext, how, gilWaits);
    }

    public static TraceOptions defaults() {
        return new TraceOptions(Optional.empty(), false, 1 << 22, 16384, true, Duration.ZERO);
    }

    public TraceOptions withCallPattern(String pattern) {
        return new TraceOptions(Optional.of(CallPattern.parse(pattern).text()), streamAudit, ringBufferBytes,
                callsMapEntries, requireProbes, timeout, kernelContext, callCounting, gilWaits);
    }

    public TraceOptions withStreamAudit(boolean stream) {
        return new TraceOptions(callPattern, stream, ringBufferBytes, callsMapEntries, requireProbes, timeout, kernelContext, callCounting, gilWaits);
    }

    public TraceOptions withRingBufferBytes(int bytes) {
        if (bytes < 4096 || Integer.bitCount(bytes) != 1) {
            throw new IllegalArgumentException("the ring buffer size must be a power of two of at least 4096 bytes, got " + bytes);
        }
        return new TraceOptions(callPattern, streamAudit, bytes, callsMapEntries, requireProbes, timeout, kernelContext, callCounting, gilWaits);
    }

    public TraceOptions withCallsMapEntries(int entries) {
        if (entries < 1) {
            throw new IllegalArgumentException("the calls map needs at least one entry, got " + entries);
        }
        return new TraceOptions(callPattern, streamAudit, ringBufferBytes, entries, requireProbes, timeout, kernelContext, callCounting, gilWaits);
    }

    public TraceOptions withRequireProbes(boolean require) {
        return new TraceOptions(callPattern, streamAudit, ringBufferBytes, callsMapEntries, require, timeout, kernelContext, callCounting, gilWaits);
    }

    public TraceOptions withTimeout(Duration limit) {
        return new TraceOptions(callPattern, streamAudit, ringBufferBytes, callsMapEntries, requireProbes, limit, kernelContext, callCounting, gilWaits);
    }

    public TraceOptions withKernelContext(boolean record) {
        return new TraceOptions(callPattern, streamAudit, ringBufferBytes, callsMapEntries, requireProbes, timeout, record, callCounting, gilWaits);
    }

    /** Also records the GIL waits of every scope (take_gil found by symbol; see docs/writing-tests.md, "GIL budgets"). */
    public TraceOptions withGilWaits(boolean record) {
        return new TraceOptions(callPattern, streamAudit, ringBufferBytes, callsMapEntries, requireProbes, timeout, kernelContext,
                callCounting, record);
    }
}

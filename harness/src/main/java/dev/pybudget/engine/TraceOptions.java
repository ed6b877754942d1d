package dev.pybudget.engine;

import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;

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
 *                        inside the workload ({@link CallCounting#MONITORING}), or the cheaper way (AUTO)
 * @param families        the optional probe families also recorded, by name ({@link ProbeFamily#optionalNames()}:
 *                        "kernel", the kernel's side of every scope; "gil", every scope's waits for the GIL); in
 *                        the order of {@link ProbeFamily#all()}
 */
public record TraceOptions(Optional<String> callPattern, boolean streamAudit, int ringBufferBytes,
                           int callsMapEntries, boolean requireProbes, Duration timeout, CallCounting callCounting,
                           Set<String> families) {

    /** @throws IllegalArgumentException for a name that is no optional family's, in one sentence naming those there are */
    public TraceOptions {
        java.util.Objects.requireNonNull(callCounting, "callCounting");
        java.util.Objects.requireNonNull(families, "families");
        for (String name : families) {
            if (!ProbeFamily.optionalNames().contains(name)) {
                throw new IllegalArgumentException("Unknown probe family '" + name + "': the optional families are "
                        + String.join(" and ", ProbeFamily.optionalNames()) + ".");
            }
        }
        families = inFamilyOrder(families);
    }

    private static Set<String> inFamilyOrder(Collection<String> names) {
        Set<String> ordered = new LinkedHashSet<>();
        ProbeFamily.optionalNames().stream().filter(names::contains).forEach(ordered::add);
        return java.util.Collections.unmodifiableSet(ordered);
    }

    /** Options with the kernel context and the GIL waits as two flags, as before optional families had names. */
    @Deprecated
    public TraceOptions(Optional<String> callPattern, boolean streamAudit, int ringBufferBytes, int callsMapEntries,
                        boolean requireProbes, Duration timeout, boolean kernelContext, CallCounting callCounting,
                        boolean gilWaits) {
        this(callPattern, streamAudit, ringBufferBytes, callsMapEntries, requireProbes, timeout, callCounting,
                flags(kernelContext, gilWaits));
    }

    /** Options without the GIL waits, as before they existed. */
    public TraceOptions(Optional<String> callPattern, boolean streamAudit, int ringBufferBytes, int callsMapEntries,
                        boolean requireProbes, Duration timeout, boolean kernelContext, CallCounting callCounting) {
        this(callPattern, streamAudit, ringBufferBytes, callsMapEntries, requireProbes, timeout, callCounting,
                flags(kernelContext, false));
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

    private static Set<String> flags(boolean kernelContext, boolean gilWaits) {
        Set<String> names = new LinkedHashSet<>();
        if (kernelContext) {
            names.add(KernelContextFamily.INSTANCE.name());
        }
        if (gilWaits) {
            names.add(GilFamily.INSTANCE.name());
        }
        return names;
    }

    public static TraceOptions defaults() {
        return new TraceOptions(Optional.empty(), false, 1 << 22, 16384, true, Duration.ZERO);
    }

    /** Counts calls in the kernel, inside the workload, or (AUTO, the default) the cheaper way for this CPython. */
    public TraceOptions withCallCounting(CallCounting how) {
        return new TraceOptions(callPattern, streamAudit, ringBufferBytes, callsMapEntries, requireProbes, timeout, how,
                families);
    }

    public TraceOptions withCallPattern(String pattern) {
        return new TraceOptions(Optional.of(CallPattern.parse(pattern).text()), streamAudit, ringBufferBytes,
                callsMapEntries, requireProbes, timeout, callCounting, families);
    }

    public TraceOptions withStreamAudit(boolean stream) {
        return new TraceOptions(callPattern, stream, ringBufferBytes, callsMapEntries, requireProbes, timeout, callCounting,
                families);
    }

    public TraceOptions withRingBufferBytes(int bytes) {
        if (bytes < 4096 || Integer.bitCount(bytes) != 1) {
            throw new IllegalArgumentException("the ring buffer size must be a power of two of at least 4096 bytes, got " + bytes);
        }
        return new TraceOptions(callPattern, streamAudit, bytes, callsMapEntries, requireProbes, timeout, callCounting,
                families);
    }

    public TraceOptions withCallsMapEntries(int entries) {
        if (entries < 1) {
            throw new IllegalArgumentException("the calls map needs at least one entry, got " + entries);
        }
        return new TraceOptions(callPattern, streamAudit, ringBufferBytes, entries, requireProbes, timeout, callCounting,
                families);
    }

    public TraceOptions withRequireProbes(boolean require) {
        return new TraceOptions(callPattern, streamAudit, ringBufferBytes, callsMapEntries, require, timeout, callCounting,
                families);
    }

    public TraceOptions withTimeout(Duration limit) {
        return new TraceOptions(callPattern, streamAudit, ringBufferBytes, callsMapEntries, requireProbes, limit,
                callCounting, families);
    }

    /**
     * Also records the optional probe family {@code name} ("kernel", "gil": {@link ProbeFamily#optionalNames()}).
     *
     * @throws IllegalArgumentException for any other name, in one sentence naming the optional families
     */
    public TraceOptions withFamily(String name) {
        return withFamily(name, true);
    }

    private TraceOptions withFamily(String name, boolean record) {
        Set<String> names = new LinkedHashSet<>(families);
        if (record) {
            names.add(name);
        } else {
            names.remove(name);
        }
        return new TraceOptions(callPattern, streamAudit, ringBufferBytes, callsMapEntries, requireProbes, timeout,
                callCounting, names);
    }

    /**
     * Also records the kernel's side of every scope: off-CPU time, context switches, page faults and syscalls of the
     * workload's threads (kernel.bpf.o; see docs/writing-tests.md); {@code withFamily("kernel")}.
     */
    public TraceOptions withKernelContext(boolean record) {
        return withFamily(KernelContextFamily.INSTANCE.name(), record);
    }

    /**
     * Also records the GIL waits of every scope (take_gil found by symbol; see docs/writing-tests.md, "GIL budgets"); a
     * CPython whose take_gil cannot be found is refused with one sentence; {@code withFamily("gil")}.
     */
    public TraceOptions withGilWaits(boolean record) {
        return withFamily(GilFamily.INSTANCE.name(), record);
    }

    /** Whether the kernel context is recorded ({@link #withKernelContext}). */
    public boolean kernelContext() {
        return families.contains(KernelContextFamily.INSTANCE.name());
    }

    /** Whether the GIL waits are recorded ({@link #withGilWaits}). */
    public boolean gilWaits() {
        return families.contains(GilFamily.INSTANCE.name());
    }
}

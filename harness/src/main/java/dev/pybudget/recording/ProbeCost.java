package dev.pybudget.recording;

import dev.pybudget.elf.Marker;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * What the probes cost the workload in one scope: its probe hits per kind, which the exact counts give (two hits a
 * collection, two an import, one an audit event or window mark, one a counted call, one a syscall), and the CPU
 * time they took, estimated with this machine's {@link ProbeRates}.
 *
 * <p>Estimates, not measurements: a rate comes from the fastest runs of a short calibration on a machine whose load moves it.
 * Hits that are not counted are not in it: returns of functions the call pattern does not name (the
 * function__return probe fires on every return; {@link #callsUncounted()}), and context switches and page faults
 * of the kernel context (not calibrated: in {@link #hits()}, not in {@link #nanos()}).
 *
 * @param hits           per kind, in the order {@link #KINDS}; a kind the trace did not attach is absent
 * @param nanos          estimated CPU nanoseconds of the workload's threads spent in probes; empty when no rate was
 *                       known for a kind that had hits (never a guess)
 * @param wallNanos      the scope's wall time: the recording's, or the sum of a window's spans (0: not known)
 * @param callsUncounted the function__return probe was attached: every return hit it, but only the pattern's are
 *                       counted, so hits and cost are at least what is shown
 * @param notCalibrated  kinds with hits whose cost is not estimated (no rate)
 */
public record ProbeCost(Map<String, Long> hits, OptionalDouble nanos, long wallNanos, boolean callsUncounted,
                        List<String> notCalibrated) {

    public static final String GC = "gc";
    public static final String IMPORTS = "imports";
    public static final String AUDIT = "audit";
    public static final String CALLS = "calls";
    public static final String SYSCALLS = "syscalls";
    public static final String SWITCHES = "contextSwitches";
    public static final String FAULTS = "pageFaults";
    /** GIL acquisitions: an entry and a return of take_gil each. */
    public static final String GIL = "gil";
    public static final List<String> KINDS = List.of(GC, IMPORTS, AUDIT, CALLS, SYSCALLS, SWITCHES, FAULTS, GIL);

    public ProbeCost {
        hits = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(hits));
        notCalibrated = List.copyOf(notCalibrated);
    }

    /** The probe cost of the whole run. */
    public static ProbeCost of(Recording r, Optional<ProbeRates> rates) {
        return of(r, r.whole(), r.wallNanos(), rates);
    }

    /** The probe cost of window {@code w} of {@code r}: its wall time is the sum of its spans. */
    public static ProbeCost of(Recording r, Window w, Optional<ProbeRates> rates) {
        return of(r, w.sections(), w.spans().stream().mapToLong(WindowSpan::durationNanos).sum(), rates);
    }

    /** The probe cost of the sections {@code s} of {@code r}, which lasted {@code wallNanos}. */
    public static ProbeCost of(Recording r, Sections s, long wallNanos, Optional<ProbeRates> rates) {
        Map<String, Long> hits = new LinkedHashMap<>();
        List<String> probes = r.probes();
        if (r.measures(Marker.GC_START.probe())) {
            hits.put(GC, 2 * s.gc().totalCollections()); // start and done (entry and return for symbol probes)
        }
        if (probes.contains(Marker.IMPORT_START.probe())) {
            hits.put(IMPORTS, 2 * s.importCount());
        }
        if (r.measures(Marker.AUDIT.probe())) {
            long events = s.audit().stream().mapToLong(AuditCount::count).sum();
            // A symbol probe on sys_audit is an entry and a return per event.
            hits.put(AUDIT, probes.contains(Marker.AUDIT.probe()) ? events : 2 * events);
        }
        boolean callProbe = probes.contains(Marker.FUNCTION_RETURN.probe());
        if (callProbe) {
            hits.put(CALLS, s.calls().stream().mapToLong(CallCount::count).sum());
        }
        s.kernel().ifPresent(k -> {
            hits.put(SYSCALLS, k.syscalls());
            hits.put(SWITCHES, k.contextSwitches());
            hits.put(FAULTS, k.minorFaults() + k.majorFaults());
        });
        GilStats.in(s).ifPresent(g -> hits.put(GIL, 2 * g.waits().count()));
        double nanos = 0;
        boolean known = true;
        List<String> notCalibrated = new ArrayList<>();
        for (Map.Entry<String, Long> e : hits.entrySet()) {
            if (e.getValue() == 0) {
                continue;
            }
            Optional<Double> rate = rates.flatMap(p -> p.nanosPerHit(e.getKey()));
            if (rate.isPresent()) {
                nanos += rate.get() * e.getValue();
            } else {
                notCalibrated.add(e.getKey());
                // Switches and faults are small and not calibrated: said, and left out. Any other kind unknown: no estimate.
                known &= e.getKey().equals(SWITCHES) || e.getKey().equals(FAULTS);
            }
        }
        return new ProbeCost(hits, known ? OptionalDouble.of(nanos) : OptionalDouble.empty(), wallNanos, callProbe,
                notCalibrated);
    }

    /** Every hit counted, all kinds together. */
    public long totalHits() {
        return hits.values().stream().mapToLong(Long::longValue).sum();
    }

    /** The estimate as a share of the scope's wall time, in percent; empty when either is not known. */
    public OptionalDouble percentOfWall() {
        return nanos.isPresent() && wallNanos > 0 ? OptionalDouble.of(100 * nanos.getAsDouble() / wallNanos)
                : OptionalDouble.empty();
    }

    /**
     * "probes: 40,002 hits, about 52 µs of the workload's CPU (0.4% of the window's wall time)": {@code scope} is
     * "window" or "run".
     */
    public String describe(String scope) {
        String atLeast = callsUncounted ? "at least " : "";
        StringBuilder s = new StringBuilder(ReportText.format("probes: %s%,d hits", atLeast, totalHits()));
        if (nanos.isPresent()) {
            s.append(ReportText.format(", about %s%s of the workload's CPU", micros(nanos.getAsDouble()),
                    callsUncounted ? " or more" : ""));
            OptionalDouble p = percentOfWall();
            if (p.isPresent()) {
                s.append(ReportText.format(" (%s%% of the %s's wall time)", percent(p.getAsDouble()), scope));
            }
        } else {
            s.append(", cost not estimated (no calibration on this machine for ").append(String.join(", ", notCalibrated))
                    .append(')');
        }
        if (nanos.isPresent() && !notCalibrated.isEmpty()) {
            s.append("; not counted in it: ").append(String.join(", ", notCalibrated)).append(" (not calibrated)");
        }
        if (callsUncounted) {
            s.append("; returns of functions the call pattern does not name hit the call probe too, uncounted");
        }
        return s.toString();
    }

    private static String micros(double nanos) {
        double us = nanos / 1000;
        return us >= 1000 ? ReportText.format("%,.1f ms", us / 1000) : us >= 100 ? ReportText.format("%.0f µs", us)
                : ReportText.format("%.1f µs", us);
    }

    private static String percent(double p) {
        return p >= 10 ? ReportText.format("%.0f", p) : p >= 1 ? ReportText.format("%.1f", p)
                : ReportText.format("%.2f", p);
    }
}

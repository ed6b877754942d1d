package dev.pybudget.recording;

import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What one probe hit of each kind costs the traced thread on this machine, in CPU nanoseconds: measured once per
 * machine (kernel release and CPU model) by running the same loops untraced and traced and dividing the thread CPU
 * time the trace added by the hits (engine's ProbeCalibration).
 *
 * @param machine     what the rates belong to: "KERNEL_RELEASE / CPU model"
 * @param nanosPerHit per kind ({@link ProbeCost#GC}, {@link ProbeCost#AUDIT}, {@link ProbeCost#CALLS},
 *                    {@link ProbeCost#IMPORTS}, {@link ProbeCost#SYSCALLS}): a kind that is absent was not calibrated
 * @param how         how they were measured, for the report ("median of 3 runs of /usr/bin/python3.11 ...")
 */
public record ProbeRates(String machine, Map<String, Double> nanosPerHit, String how) {

    public ProbeRates {
        nanosPerHit = Map.copyOf(new TreeMap<>(nanosPerHit));
    }

    public Optional<Double> nanosPerHit(String kind) {
        return Optional.ofNullable(nanosPerHit.get(kind));
    }

    private static final java.util.concurrent.atomic.AtomicReference<ProbeRates> KNOWN =
            new java.util.concurrent.atomic.AtomicReference<>();

    /** The rates this JVM knows for this machine (the engine's calibration sets them), for the reports. */
    public static Optional<ProbeRates> known() {
        return Optional.ofNullable(KNOWN.get());
    }

    /** Makes {@code rates} the ones {@link #known()} gives. */
    public static void use(ProbeRates rates) {
        KNOWN.set(rates);
    }
}

package dev.pybudget.recording;

import dev.pybudget.elf.Marker;
import java.util.List;
import java.util.Optional;

/**
 * What a traced CPython did: an immutable value, the same that the JSON report (schema 1) carries.
 *
 * @param probes        the USDT probes that were attached, and for a family counted from CPython's internal
 *                      functions instead (a build without its markers) "FAMILY:symbol FUNCTION", e.g.
 *                      "gc:symbol gc_collect_main"
 * @param missingProbes probes that were asked for but that this CPython does not have
 * @param missingProbesReason one sentence saying which probes this CPython lacks and why (e.g. "... has no
 *                      USDT probe function__return: CPython 3.12 and later removed ..."), when some are missing
 * @param whole         the whole run, from before the first bytecode to the end of the recording
 * @param lostEvents    stream records that could not be delivered
 * @param exitStatus    the workload's exit status (128+N for signal N), empty while it runs
 * @param callPattern   the {@code FILE_GLOB:FUNCTION_GLOB} whose calls were counted; empty: no calls were counted
 */
public record Recording(PythonInfo python, List<String> probes, List<String> missingProbes, long wallNanos,
                        Sections whole, long lostEvents, Losses losses, List<Window> windows,
                        Optional<Integer> exitStatus, Optional<String> callPattern,
                        Optional<String> missingProbesReason) {

    public Recording {
        probes = List.copyOf(probes);
        missingProbes = List.copyOf(missingProbes);
        windows = List.copyOf(windows);
        if (missingProbesReason.isPresent() && missingProbes.isEmpty()) {
            throw new IllegalArgumentException("A reason for missing probes, but no missing probe: " + missingProbesReason.get());
        }
    }

    /** A recording that counted no calls and says no more about missing probes than their names. */
    public Recording(PythonInfo python, List<String> probes, List<String> missingProbes, long wallNanos,
                     Sections whole, long lostEvents, Losses losses, List<Window> windows, Optional<Integer> exitStatus) {
        this(python, probes, missingProbes, wallNanos, whole, lostEvents, losses, windows, exitStatus, Optional.empty(),
                Optional.empty());
    }

    /**
     * Whether this recording counted what the USDT probe {@code probe} gives: the probe was attached, or a
     * symbol probe stood in for its family ({@code gc:symbol ...} for gc__start and gc__done,
     * {@code audit:symbol ...} for audit), or, for function__return, calls were counted inside the workload
     * ({@code calls:monitoring}).
     */
    public boolean measures(String probe) {
        if (probes.contains(probe) || (probe.equals(Marker.FUNCTION_RETURN.probe()) && probes.contains("calls:monitoring"))) {
            return true;
        }
        String family = probe.startsWith("gc__") ? "gc:" : probe.equals(Marker.AUDIT.probe()) ? "audit:"
                : probe.startsWith("import__") ? "imports:" : probe.startsWith("function__") ? "calls:" : null;
        return family != null && probes.stream().anyMatch(p -> p.startsWith(family + "symbol "));
    }

    /**
     * How the workload ended, as a person says it: "still running", "exited with status 3",
     * "killed by signal 11 (SIGSEGV): exit status 139".
     */
    public String exitDescription() {
        if (exitStatus.isEmpty()) {
            return "still running";
        }
        int status = exitStatus.get();
        if (status > 128 && status < 128 + 65) {
            int signal = status - 128;
            String name = signal < SIGNALS.size() ? " (SIG" + SIGNALS.get(signal) + ")" : "";
            return "killed by signal " + signal + name + ": exit status " + status;
        }
        return "exited with status " + status;
    }

    private static final List<String> SIGNALS = List.of("", "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL",
            "USR1", "SEGV", "USR2", "PIPE", "ALRM", "TERM");

    public Optional<Window> window(String name) {
        return windows.stream().filter(w -> w.name().equals(name)).findFirst();
    }

    /**
     * What happened after {@code earlier} (a reading of the same trace) up to this reading:
     * counts are differences, imports and audit events those that started since. A window
     * appears if it was active in between. The pause maximum is exact when it grew in between,
     * otherwise bounded by its histogram bucket.
     */
    public Recording since(Recording earlier) {
        return Deltas.between(earlier, this);
    }

    /** This recording with one window as its whole, e.g. to assert on it as on a recording. */
    public Recording windowAsWhole(String name) {
        Window w = window(name).orElseThrow(() -> new IllegalArgumentException("No window named '" + name
                + "' in this recording; it has " + windows.stream().map(Window::name).toList() + "."));
        return new Recording(python, probes, missingProbes, wallNanos, w.sections(), lostEvents, losses, List.of(), exitStatus,
                callPattern, missingProbesReason);
    }

    /**
     * The functions the call pattern matched and that ran, as {@code file:function}, sorted: what a pattern like
     * {@code *}{@code /server.py:*} really caught (the standard library's http/server.py as well as the app's server.py?).
     * Empty when no calls were counted. Incomplete when {@code losses().calls()} is not zero.
     */
    public List<String> callPatternMatched() {
        return whole.calls().stream().map(CallCount::qualifiedName).distinct().sorted().toList();
    }

    public GcStats gc() {
        return whole.gc();
    }

    public List<ImportNode> imports() {
        return whole.imports();
    }

    public List<CallCount> calls() {
        return whole.calls();
    }

    public List<AuditCount> audit() {
        return whole.audit();
    }
}

package dev.pybudget.assertions.internal;

import dev.pybudget.assertions.BudgetCheck;
import dev.pybudget.assertions.RecordingScope;
import dev.pybudget.assertions.error.InconclusiveBudget;
import dev.pybudget.assertions.error.ShouldHaveWindow;
import dev.pybudget.elf.Marker;
import dev.pybudget.recording.Losses;
import dev.pybudget.recording.Recording;
import dev.pybudget.recording.Section;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * What every budget decides first, in one place, before its family's own measure: the window must be there (a
 * missing one fails), the probes it rests on must have been attached, a window's counts must not be in doubt (lost
 * window marks), and a family recorded by option must have been recorded. Each of these is inconclusive or failed,
 * never passed. The rules of evidence: a verdict rests on exact kernel counts where there are any; when something it
 * rests on was lost or never measured, the check is inconclusive. A violation that is certain despite losses (an
 * import of a forbidden module that the stream did deliver) still fails.
 *
 * @throws IllegalArgumentException from the argument checks, for a negative budget, a generation other than 0, 1,
 *         2, a non-positive duration
 */
public final class FamilyChecks {
    private FamilyChecks() {}

    /**
     * @param family      the family's name ({@code Sections.families()} key)
     * @param what        what the family measures, for reports: "kernel context" ("kernel context not recorded")
     * @param notRecorded why there is no section and what to do, ending in what that means: "the kernel context
     *                    was not recorded (turn it on with ...), so there is nothing to compare"
     */
    public static <S extends Section<S>> BudgetCheck decide(RecordingScope scope, String budget, String family,
                                                            Class<S> type, String what, String notRecorded,
                                                            Function<S, BudgetCheck> measure) {
        Optional<BudgetCheck> trouble = scopeTrouble(scope, budget);
        if (trouble.isPresent()) {
            return trouble.get();
        }
        Optional<S> section = scope.sections().section(family, type);
        if (section.isEmpty()) {
            return BudgetCheck.inconclusive(budget, what + " not recorded", InconclusiveBudget.inconclusive(budget,
                    notRecorded));
        }
        return measure.apply(section.get());
    }

    public static final String CALL_PROBE = Marker.FUNCTION_RETURN.probe();
    /** Calls counted inside the workload (sys.monitoring, sys.settrace on 3.11) stand for the call probe. */
    public static final String CALLS_IN_PROCESS = "calls:monitoring";
    public static final String GC_PROBE = Marker.GC_START.probe();
    public static final String GC_DONE_PROBE = Marker.GC_DONE.probe();
    public static final String IMPORT_PROBE = Marker.IMPORT_START.probe();
    public static final String AUDIT_PROBE = Marker.AUDIT.probe();

    /**
     * The steps every budget shares, in order: the window must exist, the probes must have been
     * attached, and a window's counts must not be in doubt; then {@code measure} decides.
     */
    public static BudgetCheck decide(RecordingScope scope, String budget, List<String> probes, String what,
                                      Supplier<BudgetCheck> measure) {
        Optional<BudgetCheck> window = windowCheck(scope, budget);
        if (window.isPresent()) {
            return window.get();
        }
        Recording r = scope.recording();
        for (String probe : probes) {
            if (!r.measures(probe)) {
                return BudgetCheck.inconclusive(budget, "no " + probe + " probe",
                        InconclusiveBudget.inconclusive(budget, missingProbe(r, probe, what)));
            }
        }
        return windowMarksLost(scope, budget, "the counts of every window are in doubt").orElseGet(measure);
    }

    /** What every check looks at before measuring, for checks (baselines) that need no particular probe. */
    public static Optional<BudgetCheck> scopeTrouble(RecordingScope scope, String budget) {
        return windowCheck(scope, budget).or(() -> windowMarksLost(scope, budget, "the counts of every window are in doubt"));
    }

    /** The window exists: failed when it does not, inconclusive when window marks were lost. */
    public static BudgetCheck hasWindow(RecordingScope scope) {
        String budget = "a window named '" + scope.window().orElseThrow(() ->
                new IllegalArgumentException("The whole run is not a window: give a window's scope.")) + "'";
        if (scope.exists()) {
            return BudgetCheck.passed(budget, "present");
        }
        return windowMarksLost(scope, budget, "the window may have been missed")
                .orElseGet(() -> BudgetCheck.failed(budget, "no such window", ShouldHaveWindow.shouldHaveWindow(scope)));
    }

    /** Nothing for a window that is there; otherwise the check says why it is not. */
    public static Optional<BudgetCheck> windowCheck(RecordingScope scope, String budget) {
        if (scope.exists()) {
            return Optional.empty();
        }
        return Optional.of(windowMarksLost(scope, budget, "the window may have been missed")
                .orElseGet(() -> BudgetCheck.failed(budget, "no such window", ShouldHaveWindow.shouldHaveWindow(budget, scope))));
    }

    public static Optional<BudgetCheck> windowMarksLost(RecordingScope scope, String budget, String consequence) {
        long marks = scope.windowMarksNotFollowed();
        if (marks == 0) {
            return Optional.empty();
        }
        Losses l = scope.recording().losses();
        List<String> why = new ArrayList<>();
        reason(why, l.windowSlots(), "beyond the limit of distinct window names");
        reason(why, l.windowDepth(), "nested too deep");
        reason(why, l.windowNames(), "with a name that is not a readable str");
        reason(why, l.windowThreads(), "on a thread that found no room among the threads with windows open");
        reason(why, scope.unfollowedEnds(), "ending " + scope.name() + " on a thread where it was not open (an end closes"
                + " a window only on the thread that opened it, so it stayed open there)");
        return Optional.of(BudgetCheck.inconclusive(budget, Evidence.count(marks, "window mark", "window marks") + " lost",
                InconclusiveBudget.inconclusive(budget, String.format(Locale.ROOT, "%s could not be followed (%s), so %s",
                        Evidence.count(marks, "window mark", "window marks"), String.join(", ", why), consequence))));
    }

    private static void reason(List<String> why, long n, String what) {
        if (n > 0) {
            why.add(n + " " + what);
        }
    }

    /** Why a probe's counts are not there: this CPython lacks it, or it was not asked for. */
    public static String missingProbe(Recording r, String probe, String what) {
        String python = "CPython " + r.python().version();
        if (CALL_PROBE.equals(probe) && r.missingProbes().contains(CALLS_IN_PROCESS)) {
            return "the in-process call counter did not count in this run (the recording's missingProbesReason says why), so "
                    + what + " cannot be counted";
        }
        if (r.missingProbes().contains(probe)) {
            String history = CALL_PROBE.equals(probe) && isAtLeast312(r.python().version()) ? " (CPython 3.12 removed it)" : "";
            return python + " has no " + probe + " probe" + history + ", so " + what + " cannot be counted";
        }
        if (CALL_PROBE.equals(probe)) {
            return "calls were not counted: the trace had no call pattern (TraceOptions.withCallPattern), so there is"
                    + " nothing to compare";
        }
        return "the " + probe + " probe was not attached, so " + what + " were not counted";
    }

    private static boolean isAtLeast312(String version) {
        String[] parts = version.split("\\.");
        try {
            int major = Integer.parseInt(parts[0]);
            int minor = parts.length > 1 ? Integer.parseInt(parts[1].replaceAll("\\D.*", "")) : 0;
            return major > 3 || (major == 3 && minor >= 12);
        } catch (NumberFormatException e) {
            return false;
        }
    }

    public static void requireGeneration(int generation) {
        if (generation < 0 || generation > 2) {
            throw new IllegalArgumentException("CPython has the generations 0, 1 and 2, not " + generation + ".");
        }
    }

    public static void requireNotNegative(long max, String what) {
        if (max < 0) {
            throw new IllegalArgumentException("A budget of " + what + " must not be negative, got " + max + ".");
        }
    }

    public static long requirePositive(Duration limit) {
        if (limit == null || limit.isNegative() || limit.isZero()) {
            throw new IllegalArgumentException("A time budget must be a positive duration, got " + limit + ".");
        }
        return limit.toNanos();
    }
}

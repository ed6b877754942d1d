package dev.pybudget.junit;

import dev.pybudget.assertions.BudgetCheck;
import dev.pybudget.assertions.error.InconclusiveBudget;
import dev.pybudget.assertions.RecordingScope;
import dev.pybudget.assertions.Verdict;
import dev.pybudget.recording.ProbeCost;
import dev.pybudget.recording.ProbeRates;
import dev.pybudget.recording.Recording;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalDouble;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * What the probes cost in a budget's scope, on each budget an annotation checks: said in the summary's detail, and,
 * when the user set {@value #SETTING} (a percentage of the scope's wall time; 0, the default, is off), a failed budget
 * on a scope whose probes cost more is inconclusive instead: the measurement may have made what it found.
 */
final class ProbeCostGate {
    private ProbeCostGate() {}

    static final String SETTING = "pybudget.maxProbeCostPercent";

    /** The threshold the user set, empty when off. */
    static OptionalDouble threshold(ExtensionContext context) {
        Optional<String> value = Settings.get(context, SETTING);
        if (value.isEmpty() || value.get().isBlank()) {
            return OptionalDouble.empty();
        }
        double percent;
        try {
            percent = Double.parseDouble(value.get().trim());
        } catch (NumberFormatException e) {
            percent = -1;
        }
        if (!(percent >= 0) || Double.isInfinite(percent)) {
            throw new ExtensionConfigurationException("pybudget.maxProbeCostPercent is '" + value.get() + "': give a percentage of a window's"
                    + " wall time, e.g. 5 (0 turns the gate off).");
        }
        return percent == 0 ? OptionalDouble.empty() : OptionalDouble.of(percent);
    }

    /** The check, its detail followed by the scope's probe cost; a failure over the threshold made inconclusive. */
    static BudgetCheck apply(BudgetCheck check, RecordingScope scope, OptionalDouble threshold) {
        if (!scope.exists()) {
            return check;
        }
        Recording r = scope.recording();
        ProbeCost cost = scope.window().flatMap(r::window).map(w -> ProbeCost.of(r, w, ProbeRates.known()))
                .orElseGet(() -> ProbeCost.of(r, ProbeRates.known()));
        String measured = check.measured() + "; " + cost.describe(scope.window().isPresent() ? "window" : "run");
        OptionalDouble percent = cost.percentOfWall();
        if (check.verdict() == Verdict.FAILED && threshold.isPresent() && percent.isPresent()
                && percent.getAsDouble() > threshold.getAsDouble()) {
            String reason = String.format(Locale.ROOT, "the probes took about %.0f µs of the workload's CPU in %s, %.1f%% of"
                            + " its wall time, above %s (%s%%), so the measurement may have changed what it measured (it found %s)",
                    cost.nanos().getAsDouble() / 1000, scope.name(), percent.getAsDouble(), SETTING,
                    trim(threshold.getAsDouble()), check.measured());
            return new BudgetCheck(check.budget(), Verdict.INCONCLUSIVE, measured,
                    Optional.of(InconclusiveBudget.inconclusive(check.budget(), reason)), check.notes());
        }
        return new BudgetCheck(check.budget(), check.verdict(), measured, check.failure(), check.notes());
    }

    private static String trim(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }

}

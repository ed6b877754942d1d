package dev.pybudget.assertions.internal;

import dev.pybudget.assertions.BudgetCheck;
import dev.pybudget.assertions.RecordingScope;
import dev.pybudget.assertions.error.InconclusiveBudget;
import dev.pybudget.assertions.error.ShouldHaveCallsAtMost;
import dev.pybudget.engine.CallPattern;
import dev.pybudget.recording.CallCount;
import dev.pybudget.recording.Losses;
import dev.pybudget.recording.Sections;
import java.util.List;
import java.util.Optional;

/** The calls family's budgets: calls of the functions a glob names, counted exactly. */
public final class CallsChecks {
    private CallsChecks() {}

    /**
     * At most {@code max} calls of the functions matching {@code fileFunctionGlob}, e.g.
     * {@code "*}{@code /app.py:parse"}: globs on co_filename and co_name, split at the last ':', with the
     * kernel's '*' and '?'. The recording must have counted calls of every function the glob can
     * match: when its call pattern does not cover this glob, the check is inconclusive. So is a glob
     * that matched no function that ran anywhere in the recording: it checked nothing (a renamed
     * function). One that matched elsewhere in the recording (outside the window) is known to be right.
     */
    public static BudgetCheck callsAtMost(RecordingScope scope, String fileFunctionGlob, long max) {
        CallPattern pattern = CallPattern.parse(fileFunctionGlob);
        FamilyChecks.requireNotNegative(max, "calls");
        String budget = "at most " + Evidence.count(max, "call", "calls") + " of '" + pattern.text() + "'" + scope.where();
        return FamilyChecks.decide(scope, budget, List.of(FamilyChecks.CALL_PROBE), "calls", () -> callsLost(scope, budget)
                .or(() -> uncovered(scope, budget, pattern)).orElseGet(() -> {
            List<CallCount> matching = matchingCalls(scope.sections(), pattern);
            if (matching.isEmpty() && matchingCalls(scope.recording().whole(), pattern).isEmpty()) {
                // A pattern that matched nothing anywhere checks nothing: a renamed function would pass for ever. One that
                // matched a function elsewhere in the recording is known to be right, so its 0 in a window is a measurement.
                return BudgetCheck.inconclusive(budget, "no matching function ran", InconclusiveBudget.inconclusive(budget,
                        "no function matching '" + pattern.text() + "' ran in the recording, so the budget checked nothing:"
                                + " check the pattern against the functions that run (a function renamed or moved?)"));
            }
            long n = matching.stream().mapToLong(CallCount::count).sum();
            String measured = Evidence.count(n, "call", "calls");
            return n <= max ? BudgetCheck.passed(budget, measured)
                    : BudgetCheck.failed(budget, measured, ShouldHaveCallsAtMost.shouldHaveCallsAtMost(budget, n, matching));
        }));
    }

    /**
     * Whether the recording's call counts can be read at all: passed when they can, otherwise
     * why not (no call probe, counts with no room in the map). What the busiest functions rest on.
     *
     * @param budget what is asked of them, e.g. "the 5 busiest functions"
     */
    public static BudgetCheck callsCounted(RecordingScope scope, String budget) {
        String scoped = budget + scope.where();
        return FamilyChecks.decide(scope, scoped, List.of(FamilyChecks.CALL_PROBE), "calls",
                () -> callsLost(scope, scoped).orElseGet(() -> BudgetCheck.passed(scoped, "calls counted")));
    }

    private static Optional<BudgetCheck> callsLost(RecordingScope scope, String budget) {
        Losses l = scope.recording().losses();
        if (l.calls() > 0) {
            return Optional.of(BudgetCheck.inconclusive(budget, Evidence.count(l.calls(), "call", "calls") + " not counted",
                    InconclusiveBudget.inconclusive(budget, Evidence.count(l.calls(), "call", "calls")
                            + " found no room in the kernel's call map, so the counts may be short")));
        }
        if (l.callPatternSteps() > 0) {
            return Optional.of(BudgetCheck.inconclusive(budget, Evidence.count(l.callPatternSteps(), "name", "names") + " not matched",
                    InconclusiveBudget.inconclusive(budget, Evidence.count(l.callPatternSteps(), "function name was",
                            "function names were") + " too long for the kernel's pattern matcher to decide, so their calls"
                            + " may be missing")));
        }
        return Optional.empty();
    }

    /**
     * Inconclusive when the trace counted calls of another pattern than one covering {@code asked}.
     * A pattern covers a glob when it matches the glob's own text, its wildcards taken as letters
     * ('*' matches them, so "*}{@code /app.py:*" covers "*}{@code /app.py:parse*"); a '?' in the trace's
     * pattern covers only a glob that is the same text.
     */
    private static Optional<BudgetCheck> uncovered(RecordingScope scope, String budget, CallPattern asked) {
        Optional<String> counted = scope.recording().callPattern();
        if (counted.isEmpty()) {
            return Optional.empty(); // a recording that does not say; the call probe is attached
        }
        CallPattern trace = CallPattern.parse(counted.get());
        boolean covers = covers(trace.fileGlob(), asked.fileGlob()) && covers(trace.functionGlob(), asked.functionGlob());
        if (covers) {
            return Optional.empty();
        }
        return Optional.of(BudgetCheck.inconclusive(budget, "calls of '" + trace.text() + "' counted",
                InconclusiveBudget.inconclusive(budget, "the trace counted only calls matching '" + trace.text()
                        + "', which does not cover '" + asked.text() + "': give the workload a call pattern that does")));
    }

    private static boolean covers(String traceGlob, String askedGlob) {
        return traceGlob.equals(askedGlob) || (traceGlob.indexOf('?') < 0 && Globs.matches(traceGlob, askedGlob));
    }

    public static List<CallCount> matchingCalls(Sections sections, CallPattern pattern) {
        return sections.calls().stream()
                .filter(c -> Globs.matches(pattern.fileGlob(), c.file()) && Globs.matches(pattern.functionGlob(), c.function()))
                .sorted(BUSIEST_FIRST)
                .toList();
    }

    /** Most calls first; ties by file and function, so that messages do not depend on map order. */
    public static final java.util.Comparator<CallCount> BUSIEST_FIRST = java.util.Comparator.comparingLong(CallCount::count).reversed()
            .thenComparing(CallCount::file).thenComparing(CallCount::function);
}

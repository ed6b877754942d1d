package dev.pybudget.assertions;

import dev.pybudget.assertions.internal.CallsChecks;
import dev.pybudget.recording.CallCount;
import java.util.List;
import org.assertj.core.api.ListAssert;

/**
 * Call budgets, from function__return counts. The recording must have been traced with a call
 * pattern ({@code TraceOptions.withCallPattern}) that covers the functions asked about.
 */
public class CallsAssert extends AbstractBudgetAssert<CallsAssert, RecordingScope> {

    public CallsAssert(RecordingScope actual) {
        super(actual, CallsAssert.class);
    }

    /**
     * At most {@code max} calls of the functions matching {@code fileFunctionGlob}, e.g.
     * {@code "*}{@code /app.py:parse_*"}: '*' and '?' on co_filename and on co_name, split at the last ':'.
     */
    public CallsAssert hasCallsAtMost(String fileFunctionGlob, long max) {
        isNotNull();
        return check(CallsChecks.callsAtMost(actual, fileFunctionGlob, max));
    }

    /**
     * The {@code n} most called functions, busiest first, to assert on as a list, e.g.
     * {@code busiest(3).extracting(CallCount::function).doesNotContain("parse_number")}.
     * Fails at once when calls cannot be counted in this recording, rather than give an empty list.
     */
    public ListAssert<CallCount> busiest(int n) {
        if (n <= 0) {
            throw new IllegalArgumentException("Ask for at least one function, got " + n + ".");
        }
        isNotNull();
        String what = "the " + (n == 1 ? "busiest function" : n + " busiest functions");
        check(CallsChecks.callsCounted(actual, what));
        ListAssert<CallCount> list = extracting(scope -> List.copyOf(scope.sections().calls().stream()
                .sorted(CallsChecks.BUSIEST_FIRST).limit(n).toList()), ListAssert::new);
        return info.description().value().isEmpty() ? list.as(what + actual.where()) : list;
    }
}

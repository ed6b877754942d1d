package dev.pybudget.junit;

import static dev.pybudget.junit.Budget.invalid;
import static dev.pybudget.junit.Budget.label;

import dev.pybudget.assertions.internal.CallsChecks;
import dev.pybudget.engine.CallPattern;
import java.util.List;

/** The calls family's annotation, {@link MaxCalls}, as budgets. */
final class CallsAnnotations {
    private CallsAnnotations() {}

    static final AnnotationBudgets<MaxCalls> BUDGETS = new AnnotationBudgets<>(MaxCalls.class, calls -> {
        try {
            CallPattern.parse(calls.function());
        } catch (IllegalArgumentException e) {
            throw invalid("@MaxCalls: " + e.getMessage());
        }
        if (calls.max() < 0) {
            throw invalid("@MaxCalls(max = " + calls.max() + "): max is at least 0.");
        }
        return List.of(new Budget(label("MaxCalls", calls.window(), "function = \"" + calls.function() + "\"",
                "max = " + calls.max()), calls.window(), s -> CallsChecks.callsAtMost(s, calls.function(), calls.max())));
    });
}

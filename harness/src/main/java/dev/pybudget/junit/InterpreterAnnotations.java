package dev.pybudget.junit;

import static dev.pybudget.junit.Budget.invalid;
import static dev.pybudget.junit.Budget.label;
import static dev.pybudget.junit.Budget.quoted;

import dev.pybudget.assertions.Budgets;
import dev.pybudget.engine.CallPattern;
import java.util.ArrayList;
import java.util.List;

/** The annotations of the gc, imports, calls and audit families as budgets. */
final class InterpreterAnnotations {
    private InterpreterAnnotations() {}

    static final AnnotationBudgets<GcBudget> GC = new AnnotationBudgets<>(GcBudget.class, gc -> {
        if (gc.generation() < 0 || gc.generation() > 2 || gc.max() < 0) {
            throw invalid("@GcBudget(generation = " + gc.generation() + ", max = " + gc.max()
                    + "): the generation is 0, 1 or 2 and max is at least 0.");
        }
        return List.of(new Budget(label("GcBudget", gc.window(), "generation = " + gc.generation(), "max = " + gc.max()),
                gc.window(), s -> Budgets.gcCollectionsAtMost(s, gc.generation(), gc.max())));
    });

    static final AnnotationBudgets<NoImports> IMPORTS = new AnnotationBudgets<>(NoImports.class, imports -> {
        String[] modules = imports.value();
        return List.of(new Budget(label("NoImports", imports.window(), quoted(modules)), imports.window(),
                s -> modules.length == 0 ? Budgets.noImports(s) : Budgets.noImportOf(s, modules)));
    });

    static final AnnotationBudgets<MaxCalls> CALLS = new AnnotationBudgets<>(MaxCalls.class, calls -> {
        try {
            CallPattern.parse(calls.function());
        } catch (IllegalArgumentException e) {
            throw invalid("@MaxCalls: " + e.getMessage());
        }
        if (calls.max() < 0) {
            throw invalid("@MaxCalls(max = " + calls.max() + "): max is at least 0.");
        }
        return List.of(new Budget(label("MaxCalls", calls.window(), "function = \"" + calls.function() + "\"",
                "max = " + calls.max()), calls.window(), s -> Budgets.callsAtMost(s, calls.function(), calls.max())));
    });

    static final AnnotationBudgets<NoAudit> AUDIT = new AnnotationBudgets<>(NoAudit.class, audit -> {
        if (audit.value().length == 0) {
            throw invalid("@NoAudit needs at least one event name, e.g. @NoAudit(\"socket.connect\").");
        }
        List<Budget> budgets = new ArrayList<>();
        for (String event : audit.value()) {
            budgets.add(new Budget(label("NoAudit", audit.window(), quoted(audit.value())), audit.window(),
                    s -> Budgets.noAuditEvent(s, event)));
        }
        return budgets;
    });
}

package dev.pybudget.junit;

import static dev.pybudget.junit.Budget.invalid;
import static dev.pybudget.junit.Budget.label;
import static dev.pybudget.junit.Budget.quoted;

import dev.pybudget.assertions.internal.AuditChecks;
import java.util.ArrayList;
import java.util.List;

/** The audit family's annotation, {@link NoAudit}, as budgets. */
final class AuditAnnotations {
    private AuditAnnotations() {}

    static final AnnotationBudgets<NoAudit> BUDGETS = new AnnotationBudgets<>(NoAudit.class, audit -> {
        if (audit.value().length == 0) {
            throw invalid("@NoAudit needs at least one event name, e.g. @NoAudit(\"socket.connect\").");
        }
        List<Budget> budgets = new ArrayList<>();
        for (String event : audit.value()) {
            budgets.add(new Budget(label("NoAudit", audit.window(), quoted(audit.value())), audit.window(),
                    s -> AuditChecks.noAuditEvent(s, event)));
        }
        return budgets;
    });
}

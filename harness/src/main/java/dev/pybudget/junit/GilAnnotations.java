package dev.pybudget.junit;

import static dev.pybudget.junit.Budget.invalid;
import static dev.pybudget.junit.Budget.label;

import dev.pybudget.assertions.internal.GilChecks;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The GIL-wait family's annotation, {@link GilBudget}, as budgets. */
final class GilAnnotations {
    private GilAnnotations() {}

    static final AnnotationBudgets<GilBudget> GIL = new AnnotationBudgets<>(GilBudget.class, g -> {
        if (g.maxWaits() < -1 || g.maxWaitBelowMillis() == 0 || g.maxWaitBelowMillis() < -1 || g.p99WaitBelowMillis() == 0
                || g.p99WaitBelowMillis() < -1) {
            throw invalid("@GilBudget: maxWaits is at least 0, maxWaitBelowMillis and p99WaitBelowMillis at least 1, or -1"
                    + " for none.");
        }
        String w = g.window();
        List<Budget> budgets = new ArrayList<>();
        if (g.maxWaits() >= 0) {
            budgets.add(new Budget(label("GilBudget", w, "maxWaits = " + g.maxWaits()), w,
                    s -> GilChecks.waitsAtMost(s, g.maxWaits())));
        }
        if (g.maxWaitBelowMillis() > 0) {
            budgets.add(new Budget(label("GilBudget", w, "maxWaitBelowMillis = " + g.maxWaitBelowMillis()), w,
                    s -> GilChecks.maxWaitBelow(s, Duration.ofMillis(g.maxWaitBelowMillis()))));
        }
        if (g.p99WaitBelowMillis() > 0) {
            budgets.add(new Budget(label("GilBudget", w, "p99WaitBelowMillis = " + g.p99WaitBelowMillis()), w,
                    s -> GilChecks.p99WaitBelow(s, Duration.ofMillis(g.p99WaitBelowMillis()))));
        }
        if (budgets.isEmpty()) {
            throw invalid("@GilBudget sets no budget: give maxWaits, maxWaitBelowMillis or p99WaitBelowMillis.");
        }
        return budgets;
    });
}

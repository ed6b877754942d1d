package dev.pybudget.junit;

import static dev.pybudget.junit.Budget.invalid;
import static dev.pybudget.junit.Budget.label;

import dev.pybudget.assertions.internal.GcChecks;
import java.util.List;

/** The gc family's annotation, {@link GcBudget}, as budgets. */
final class GcAnnotations {
    private GcAnnotations() {}

    static final AnnotationBudgets<GcBudget> BUDGETS = new AnnotationBudgets<>(GcBudget.class, gc -> {
        if (gc.generation() < 0 || gc.generation() > 2 || gc.max() < 0) {
            throw invalid("@GcBudget(generation = " + gc.generation() + ", max = " + gc.max()
                    + "): the generation is 0, 1 or 2 and max is at least 0.");
        }
        return List.of(new Budget(label("GcBudget", gc.window(), "generation = " + gc.generation(), "max = " + gc.max()),
                gc.window(), s -> GcChecks.gcCollectionsAtMost(s, gc.generation(), gc.max())));
    });
}

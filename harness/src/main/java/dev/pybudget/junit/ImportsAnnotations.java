package dev.pybudget.junit;

import static dev.pybudget.junit.Budget.label;
import static dev.pybudget.junit.Budget.quoted;

import dev.pybudget.assertions.internal.ImportsChecks;
import java.util.List;

/** The imports family's annotation, {@link NoImports}, as budgets. */
final class ImportsAnnotations {
    private ImportsAnnotations() {}

    static final AnnotationBudgets<NoImports> BUDGETS = new AnnotationBudgets<>(NoImports.class, imports -> {
        String[] modules = imports.value();
        return List.of(new Budget(label("NoImports", imports.window(), quoted(modules)), imports.window(),
                s -> modules.length == 0 ? ImportsChecks.noImports(s) : ImportsChecks.noImportOf(s, modules)));
    });
}

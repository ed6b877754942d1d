package dev.pybudget.junit;

import java.lang.annotation.Annotation;
import java.util.List;
import java.util.function.Function;

/**
 * How one budget annotation becomes budgets. Each family's annotations are listed in {@link #all()}; the
 * extension finds them (repeated, inherited, through a team's own annotation) and knows none by name.
 *
 * @param type    the annotation (its {@code @Repeatable} container is found with it)
 * @param budgets the budgets one annotation sets; throws {@link Budget#invalid} for values that make no budget
 */
record AnnotationBudgets<A extends Annotation>(Class<A> type, Function<A, List<Budget>> budgets) {

    /** Every budget annotation, in the order their budgets are checked and reported. */
    static List<AnnotationBudgets<?>> all() {
        return List.of(GcAnnotations.BUDGETS, ImportsAnnotations.BUDGETS, CallsAnnotations.BUDGETS,
                KernelAnnotations.SYSCALLS, KernelAnnotations.KERNEL, GilAnnotations.GIL, AuditAnnotations.BUDGETS);
    }
}

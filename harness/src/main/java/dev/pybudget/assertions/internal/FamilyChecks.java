package dev.pybudget.assertions.internal;

import dev.pybudget.assertions.BudgetCheck;
import dev.pybudget.assertions.Budgets;
import dev.pybudget.assertions.RecordingScope;
import dev.pybudget.assertions.error.InconclusiveBudget;
import dev.pybudget.recording.Section;
import java.util.Optional;
import java.util.function.Function;

/**
 * What every family's budget decides first, in one place: the scope must be there (a missing window fails,
 * lost window marks make it inconclusive) and the family must have been recorded (otherwise inconclusive,
 * never passed); only then does the family's own measure decide, on its section.
 */
public final class FamilyChecks {
    private FamilyChecks() {}

    /**
     * @param family      the family's name ({@code Sections.families()} key)
     * @param what        what the family measures, for reports: "kernel context" ("kernel context not recorded")
     * @param notRecorded why there is no section and what to do, ending in what that means: "the kernel context
     *                    was not recorded (turn it on with ...), so there is nothing to compare"
     */
    public static <S extends Section<S>> BudgetCheck decide(RecordingScope scope, String budget, String family,
                                                            Class<S> type, String what, String notRecorded,
                                                            Function<S, BudgetCheck> measure) {
        Optional<BudgetCheck> trouble = Budgets.scopeTrouble(scope, budget);
        if (trouble.isPresent()) {
            return trouble.get();
        }
        Optional<S> section = scope.sections().section(family, type);
        if (section.isEmpty()) {
            return BudgetCheck.inconclusive(budget, what + " not recorded", InconclusiveBudget.inconclusive(budget,
                    notRecorded));
        }
        return measure.apply(section.get());
    }

    /** @throws IllegalArgumentException for a negative budget */
    public static void requireNotNegative(long max, String what) {
        if (max < 0) {
            throw new IllegalArgumentException("A budget of " + what + " cannot be negative, got " + max + ".");
        }
    }
}

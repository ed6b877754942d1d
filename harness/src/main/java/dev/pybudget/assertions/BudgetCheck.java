package dev.pybudget.assertions;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.assertj.core.description.Description;
import org.assertj.core.description.EmptyTextDescription;
import org.assertj.core.error.ErrorMessageFactory;
import org.assertj.core.presentation.Representation;
import org.assertj.core.presentation.StandardRepresentation;

/**
 * The outcome of one budget on one recording: the verdict, a one-line account for reports, and
 * for a budget that did not pass the message a person reads. {@link Budgets} makes them; the
 * AssertJ assertions and the budget annotations both throw {@link #orThrow()}'s error, so a budget
 * reads the same wherever it is checked.
 *
 * @param budget   what was asked, e.g. "at most 0 gen-2 collections in window 'request'"
 * @param measured what was found, e.g. "3 gen-2 collections", or why nothing could be
 * @param notes    things to tell even when it passed (a baseline was written, say)
 */
public record BudgetCheck(String budget, Verdict verdict, String measured, Optional<ErrorMessageFactory> failure,
                          List<String> notes) {

    public BudgetCheck {
        Objects.requireNonNull(budget, "budget");
        Objects.requireNonNull(verdict, "verdict");
        Objects.requireNonNull(measured, "measured");
        notes = List.copyOf(notes);
        if ((verdict == Verdict.PASSED) != failure.isEmpty()) {
            throw new IllegalArgumentException("A check has a failure message exactly when it did not pass.");
        }
    }

    public static BudgetCheck passed(String budget, String measured) {
        return new BudgetCheck(budget, Verdict.PASSED, measured, Optional.empty(), List.of());
    }

    public static BudgetCheck failed(String budget, String measured, ErrorMessageFactory message) {
        return new BudgetCheck(budget, Verdict.FAILED, measured, Optional.of(message), List.of());
    }

    public static BudgetCheck inconclusive(String budget, String measured, ErrorMessageFactory message) {
        return new BudgetCheck(budget, Verdict.INCONCLUSIVE, measured, Optional.of(message), List.of());
    }

    public BudgetCheck withNotes(List<String> more) {
        return new BudgetCheck(budget, verdict, measured, failure, more);
    }

    public boolean passed() {
        return verdict == Verdict.PASSED;
    }

    /** The failure message, or "" when it passed. */
    public String message() {
        return message(EmptyTextDescription.emptyDescription(), StandardRepresentation.STANDARD_REPRESENTATION);
    }

    String message(Description description, Representation representation) {
        return failure.map(f -> f.create(description, representation)).orElse("");
    }

    /**
     * Nothing when it passed; otherwise throws an {@link AssertionError} with {@link #message()}
     * ({@link InconclusiveBudgetError} when inconclusive).
     */
    public void orThrow() {
        if (verdict == Verdict.FAILED) {
            throw new AssertionError(message());
        }
        if (verdict == Verdict.INCONCLUSIVE) {
            throw new InconclusiveBudgetError(message());
        }
    }
}

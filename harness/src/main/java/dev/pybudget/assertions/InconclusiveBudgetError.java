package dev.pybudget.assertions;

/**
 * A budget that could not be decided (lost events or counts, a probe this CPython lacks). It is an
 * {@link AssertionError}, so the test fails, never passes; its type lets a report tell it apart
 * from a budget that was measured and broken.
 */
public class InconclusiveBudgetError extends AssertionError {
    private static final long serialVersionUID = 1L;

    public InconclusiveBudgetError(String message) {
        super(message);
    }
}

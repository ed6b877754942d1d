package dev.pybudget.assertions;

/** What a budget check concluded. */
public enum Verdict {
    /** Measured, and within the budget. */
    PASSED,
    /** Measured, and over the budget. */
    FAILED,
    /**
     * Could not be measured with certainty: events or counts were lost, the CPython lacks the
     * probe, or the histogram cannot tell. Reported as a failure, never as a pass.
     */
    INCONCLUSIVE;

    /** "passed", "failed", "inconclusive": the word reports use. */
    public String word() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}

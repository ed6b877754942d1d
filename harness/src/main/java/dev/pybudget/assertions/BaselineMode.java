package dev.pybudget.assertions;

import java.util.Locale;

/** What a baseline check does with the baseline file. */
public enum BaselineMode {
    /** Compare; a missing baseline is written from this run and the check passes with a note. Off CI. */
    CHECK_OR_RECORD,
    /** Compare; a missing baseline fails, so that CI never blesses whatever it measured. With CI=true. */
    CHECK,
    /** Write every baseline anew from this run (-Dpybudget.baselines=update). */
    UPDATE;

    /** The system property that asks for {@link #UPDATE}: {@code -Dpybudget.baselines=update}. */
    public static final String PROPERTY = "pybudget.baselines";

    /** From the system property {@value #PROPERTY} and the environment variable CI. */
    public static BaselineMode current() {
        return of(System.getProperty(PROPERTY), System.getenv("CI"));
    }

    /**
     * @param property   the value of {@value #PROPERTY}: "update" or unset (null or empty)
     * @param ciVariable the value of CI: "true" (any case) on CI
     * @throws IllegalArgumentException for any other value of the property, so that a typo does not silently check
     */
    public static BaselineMode of(String property, String ciVariable) {
        if (property != null && !property.isEmpty()) {
            if (property.equals("update")) {
                return UPDATE;
            }
            throw new IllegalArgumentException("-D" + PROPERTY + " must be 'update' or unset, got '" + property + "'.");
        }
        return ciVariable != null && ciVariable.toLowerCase(Locale.ROOT).equals("true") ? CHECK : CHECK_OR_RECORD;
    }
}

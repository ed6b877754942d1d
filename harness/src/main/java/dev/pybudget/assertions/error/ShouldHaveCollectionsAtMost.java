package dev.pybudget.assertions.error;

import dev.pybudget.assertions.internal.Evidence;
import dev.pybudget.recording.GcStats;
import org.assertj.core.error.BasicErrorMessageFactory;
import org.assertj.core.error.ErrorMessageFactory;

/** More collections than the budget allows, with every generation's count and the pauses they caused. */
public class ShouldHaveCollectionsAtMost extends BasicErrorMessageFactory {

    /** "Expected at most 0 gen-2 collections in window 'request', but there were 3:" and the collections. */
    public static ErrorMessageFactory shouldHaveCollectionsAtMost(String budget, long actual, GcStats gc) {
        return new ShouldHaveCollectionsAtMost("Expected %s, but there %s:\n%s", unquotedString(budget),
                unquotedString(actual == 1 ? "was 1" : "were " + actual), unquotedString(Evidence.collections(gc)));
    }

    private ShouldHaveCollectionsAtMost(String format, Object... arguments) {
        super(format, arguments);
    }
}

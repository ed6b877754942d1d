package dev.pybudget.assertions.error;

import dev.pybudget.assertions.internal.Evidence;
import dev.pybudget.recording.GcStats;
import org.assertj.core.error.BasicErrorMessageFactory;
import org.assertj.core.error.ErrorMessageFactory;

/** The collector freed more objects than the budget allows (each one was garbage in a cycle first). */
public class ShouldHaveCollectedAtMost extends BasicErrorMessageFactory {

    /** "Expected at most 100 objects collected in window 'work', but the collector freed 457:" and the collections. */
    public static ErrorMessageFactory shouldHaveCollectedAtMost(String budget, GcStats gc) {
        return new ShouldHaveCollectedAtMost("Expected %s, but the collector freed %s:\n%s", unquotedString(budget),
                unquotedString(Long.toString(gc.collected())), unquotedString(Evidence.collections(gc)));
    }

    private ShouldHaveCollectedAtMost(String format, Object... arguments) {
        super(format, arguments);
    }
}

package dev.pybudget.assertions.error;

import dev.pybudget.assertions.internal.Evidence;
import dev.pybudget.recording.CallCount;
import java.util.List;
import org.assertj.core.error.BasicErrorMessageFactory;
import org.assertj.core.error.ErrorMessageFactory;

/** More calls than the budget allows, with the matching functions, busiest first. */
public class ShouldHaveCallsAtMost extends BasicErrorMessageFactory {

    /** "Expected at most 100 calls of '*&#47;app.py:parse*' in window 'work', but there were 1234:" and the functions. */
    public static ErrorMessageFactory shouldHaveCallsAtMost(String budget, long actual, List<CallCount> matching) {
        return new ShouldHaveCallsAtMost("Expected %s, but there %s:\n%s", unquotedString(budget),
                unquotedString(actual == 1 ? "was 1" : "were " + actual), unquotedString(Evidence.countLines(matching)));
    }

    private ShouldHaveCallsAtMost(String format, Object... arguments) {
        super(format, arguments);
    }
}

package dev.pybudget.assertions.error;

import dev.pybudget.assertions.BaselineMode;
import dev.pybudget.assertions.internal.Evidence;
import java.util.List;
import org.assertj.core.error.BasicErrorMessageFactory;
import org.assertj.core.error.ErrorMessageFactory;

/** A recording that does not match its baseline, or a baseline that cannot be used, and what to do about it. */
public class ShouldMatchBaseline extends BasicErrorMessageFactory {

    private static final String UPDATE = "record the baseline again with -D" + BaselineMode.PROPERTY + "=update and commit it";

    /**
     * "Expected no regression against baseline b.json in window 'work', but 1 metric regressed:
     * gen-2 collections 3 -> 7 (+133%, tolerance 0)", then what could not be compared, what improved.
     */
    public static ErrorMessageFactory shouldNotRegress(String budget, List<String> regressions, List<String> notCompared,
                                                       List<String> improved, String pythonNote) {
        StringBuilder rest = new StringBuilder(indented(regressions));
        section(rest, "Not compared:", notCompared);
        section(rest, "Improved:", improved);
        Evidence.line(rest, pythonNote.isEmpty() ? "If the change is intended, " + UPDATE + "."
                : pythonNote + " If the change is intended, " + UPDATE + ".");
        return new ShouldMatchBaseline("Expected %s, but %s regressed:\n%s", unquotedString(budget),
                unquotedString(Evidence.count(regressions.size(), "metric", "metrics")), unquotedString(rest.toString()));
    }

    /** Nothing regressed that could be told, but some metrics could not be compared. */
    public static ErrorMessageFactory shouldBeComparable(String budget, List<String> notCompared, String pythonNote) {
        StringBuilder rest = new StringBuilder(indented(notCompared));
        if (!pythonNote.isEmpty()) {
            Evidence.line(rest, pythonNote);
        }
        return new ShouldMatchBaseline("Expected %s, but %s could not be compared:\n%s", unquotedString(budget),
                unquotedString(Evidence.count(notCompared.size(), "metric", "metrics")), unquotedString(rest.toString()));
    }

    /** On CI a missing baseline fails: writing it there would bless whatever was measured. */
    public static ErrorMessageFactory shouldExist(String budget) {
        return new ShouldMatchBaseline("Expected %s, but there is no such file, and on CI a missing baseline is not"
                + " written: %s.", unquotedString(budget), unquotedString(UPDATE.replace("again ", "")));
    }

    /** A baseline counted calls of one pattern, the run of another: a function outside either would read as 0. */
    public static ErrorMessageFactory shouldHaveSameCallPattern(String budget, String recordedWith, String checkedWith) {
        return new ShouldMatchBaseline("Expected %s, but that baseline counted the calls of '%s' and this run those of '%s',"
                + " so their calls cannot be compared: give the workload the baseline's call pattern, or %s.",
                unquotedString(budget), unquotedString(recordedWith), unquotedString(checkedWith), unquotedString(UPDATE));
    }

    public static ErrorMessageFactory shouldHaveSameScope(String budget, String recordedFor, String checkedFor) {
        return new ShouldMatchBaseline("Expected %s, but that baseline was recorded for %s, not for %s.",
                unquotedString(budget), unquotedString(recordedFor), unquotedString(checkedFor));
    }

    public static ErrorMessageFactory shouldBeReadable(String budget, String problem) {
        return new ShouldMatchBaseline("Expected %s, but the baseline cannot be read: %s", unquotedString(budget),
                unquotedString(problem));
    }

    /** A baseline is only written from a complete recording: one with losses would be a wrong reference. */
    public static ErrorMessageFactory shouldBeCompleteToRecord(String budget, List<String> incomplete) {
        return new ShouldMatchBaseline("Expected %s, but this recording is incomplete, so no baseline was written:\n%s",
                unquotedString(budget), unquotedString(indented(incomplete)));
    }

    private static String indented(List<String> lines) {
        StringBuilder out = new StringBuilder();
        lines.forEach(l -> Evidence.line(out, "  " + l));
        return out.toString();
    }

    private static void section(StringBuilder out, String title, List<String> lines) {
        if (!lines.isEmpty()) {
            Evidence.line(out, title);
            Evidence.line(out, indented(lines));
        }
    }

    private ShouldMatchBaseline(String format, Object... arguments) {
        super(format, arguments);
    }
}

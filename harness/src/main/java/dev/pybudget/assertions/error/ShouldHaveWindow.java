package dev.pybudget.assertions.error;

import dev.pybudget.assertions.RecordingScope;
import java.util.List;
import java.util.stream.Collectors;
import org.assertj.core.error.BasicErrorMessageFactory;
import org.assertj.core.error.ErrorMessageFactory;

/** A window that is not in the recording, with the windows that are. */
public class ShouldHaveWindow extends BasicErrorMessageFactory {

    /** "Expected a window named 'request', but the recording has none by that name; its windows are 'first', 'second'." */
    public static ErrorMessageFactory shouldHaveWindow(RecordingScope scope) {
        String name = scope.window().orElseThrow();
        return new ShouldHaveWindow("Expected a window named '%s', but %s.", unquotedString(name),
                unquotedString(windowsThereAre(scope.windowNames(), "none by that name")));
    }

    /** A budget on a window that is not there: "Expected no imports in window 'request', but the recording has no window 'request'; ...". */
    public static ErrorMessageFactory shouldHaveWindow(String budget, RecordingScope scope) {
        String name = scope.window().orElseThrow();
        return new ShouldHaveWindow("Expected %s, but %s.", unquotedString(budget),
                unquotedString(windowsThereAre(scope.windowNames(), "no window '" + name + "'")));
    }

    private static String windowsThereAre(List<String> names, String none) {
        if (names.isEmpty()) {
            return "the recording has no windows at all (mark one from Python with sys.audit(\"pybudget.begin\", name)"
                    + " and sys.audit(\"pybudget.end\", name), or from Java with Trace.openWindow)";
        }
        return "the recording has " + none + "; its " + (names.size() == 1 ? "window is " : "windows are ")
                + names.stream().map(n -> "'" + n + "'").collect(Collectors.joining(", "));
    }

    private ShouldHaveWindow(String format, Object... arguments) {
        super(format, arguments);
    }
}

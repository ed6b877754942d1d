package dev.pybudget.assertions.error;

import dev.pybudget.assertions.internal.Evidence;
import dev.pybudget.recording.ImportNode;
import java.util.List;
import org.assertj.core.error.BasicErrorMessageFactory;
import org.assertj.core.error.ErrorMessageFactory;

/** Imports that took longer in all than the budget allows, with the tree that shows where the time went. */
public class ShouldHaveImportTimeBelow extends BasicErrorMessageFactory {

    /** "Expected less than 10.0 ms of imports in window 'first', but they took 72.6 ms (89 modules):" and the tree. */
    public static ErrorMessageFactory shouldHaveImportTimeBelow(String budget, long importCount, List<ImportNode> roots) {
        return new ShouldHaveImportTimeBelow("Expected %s, but they took %s (%s):\n%s", unquotedString(budget),
                unquotedString(Evidence.duration(Evidence.totalNanos(roots))),
                unquotedString(Evidence.count(importCount, "module", "modules")), unquotedString(Evidence.importTree(roots)));
    }

    private ShouldHaveImportTimeBelow(String format, Object... arguments) {
        super(format, arguments);
    }
}

package dev.pybudget.assertions.error;

import dev.pybudget.assertions.internal.Evidence;
import dev.pybudget.recording.ImportNode;
import java.util.List;
import org.assertj.core.error.BasicErrorMessageFactory;
import org.assertj.core.error.ErrorMessageFactory;

/** Imports of modules or packages that were ruled out, each offending subtree with what imported it. */
public class ShouldNotImport extends BasicErrorMessageFactory {

    /**
     * "Expected no import of 'email' in window 'first', but 20 modules matched (47.4 ms):" and the subtrees.
     *
     * @param matched    how many imports matched, nested ones included
     * @param offending  the outermost matching imports, each with its whole subtree
     * @param importedBy for each offending import, the module that imported it ("" at the top level)
     */
    public static ErrorMessageFactory shouldNotImport(String budget, long matched, List<ImportNode> offending,
                                                      List<String> importedBy) {
        List<String> notes = importedBy.stream().map(by -> by.isEmpty() ? "" : ", imported by " + by).toList();
        return new ShouldNotImport("Expected %s, but %s (%s):\n%s", unquotedString(budget),
                unquotedString(matched == 1 ? "1 module matched" : matched + " modules matched"),
                unquotedString(Evidence.duration(Evidence.totalNanos(offending))),
                unquotedString(Evidence.importTree(offending, notes)));
    }

    private ShouldNotImport(String format, Object... arguments) {
        super(format, arguments);
    }
}

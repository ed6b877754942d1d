package dev.pybudget.assertions.error;

import dev.pybudget.assertions.internal.Evidence;
import dev.pybudget.recording.ImportNode;
import java.util.List;
import org.assertj.core.error.BasicErrorMessageFactory;
import org.assertj.core.error.ErrorMessageFactory;

/** Imports where none (or fewer) were allowed: how many (the exact kernel count) and the import tree. */
public class ShouldHaveNoImports extends BasicErrorMessageFactory {

    /**
     * "Expected no imports in window 'request', but 3 modules were imported (41.2 ms):" and the tree.
     *
     * @param budget      what was asked, with its scope: "no imports in window 'request'", "at most 2 imports"
     * @param importCount the exact count
     * @param roots       the import tree of the scope, from the event stream
     * @param lostEvents  stream events lost: when any were, the tree is said to be incomplete
     */
    public static ErrorMessageFactory shouldHaveNoImports(String budget, long importCount, List<ImportNode> roots,
                                                          long lostEvents) {
        return new ShouldHaveNoImports("Expected %s, but %s imported (%s):\n%s", unquotedString(budget),
                unquotedString(importCount == 1 ? "1 module was" : importCount + " modules were"),
                unquotedString(Evidence.duration(Evidence.totalNanos(roots))),
                unquotedString(treeWithLosses(roots, lostEvents)));
    }

    static String treeWithLosses(List<ImportNode> roots, long lostEvents) {
        StringBuilder tree = new StringBuilder(Evidence.importTree(roots));
        if (lostEvents > 0) {
            Evidence.line(tree, "  (" + Evidence.count(lostEvents, "event was", "events were")
                    + " lost from the stream: this tree may be incomplete)");
        }
        return tree.toString();
    }

    private ShouldHaveNoImports(String format, Object... arguments) {
        super(format, arguments);
    }
}

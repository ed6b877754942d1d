package dev.pybudget.support;

import dev.pybudget.recording.ImportNode;
import dev.pybudget.recording.Sections;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/** A recorded section's counts keyed as the oracle keys its own, so that the two compare with equals. */
public final class RecordedCounts {
    private RecordedCounts() {}

    /** Audit counts by event name, as the oracle's "audit". */
    public static Map<String, Long> audit(Sections s) {
        Map<String, Long> counts = new TreeMap<>();
        s.audit().forEach(a -> counts.merge(a.event(), a.count(), Long::sum));
        return counts;
    }

    /** Call counts keyed "co_filename:co_name", as the oracle's "rawCalls". */
    public static Map<String, Long> calls(Sections s) {
        Map<String, Long> counts = new TreeMap<>();
        s.calls().forEach(c -> counts.merge(c.qualifiedName(), c.count(), Long::sum));
        return counts;
    }

    /** Every module in the section's import tree, as the oracle's "imports". */
    public static Set<String> importSet(Sections s) {
        Set<String> modules = new TreeSet<>();
        s.allImports().forEach(i -> modules.add(i.module()));
        return modules;
    }

    /** The import tree in post-order with depths, the order and indentation of -X importtime's lines. */
    public static List<String> importTimeOrder(List<ImportNode> roots) {
        List<String> lines = new ArrayList<>();
        roots.forEach(root -> postOrder(root, 0, lines));
        return lines;
    }

    private static void postOrder(ImportNode node, int depth, List<String> lines) {
        node.children().forEach(child -> postOrder(child, depth + 1, lines));
        lines.add("  ".repeat(depth) + node.module());
    }
}

package dev.pybudget.recording;

import java.util.ArrayList;
import java.util.List;

/**
 * The imports family's part of a scope.
 *
 * @param count exact number of imports, counted in the kernel
 * @param tree  the imports from the event stream, each with what it imported; complete only when no event was lost
 */
public record ImportStats(long count, List<ImportNode> tree) implements Section<ImportStats> {

    /** The imports family's name, its key in {@link Sections#families()}. */
    public static final String FAMILY = "imports";

    public static final ImportStats NOTHING = new ImportStats(0, List.of());

    public ImportStats {
        tree = List.copyOf(tree);
    }

    @Override
    public boolean isEmpty() {
        return count == 0;
    }

    /** Counts add up; the tree of a scope of several slots is built from the stream for all of them at once. */
    @Override
    public ImportStats plus(ImportStats other) {
        List<ImportNode> both = new ArrayList<>(tree);
        both.addAll(other.tree);
        return new ImportStats(count + other.count, both);
    }

    /** Without a time, the tree cannot be cut: see {@link #minus(ImportStats, long)}. */
    @Override
    public ImportStats minus(ImportStats earlier) {
        return minus(earlier, Long.MIN_VALUE);
    }

    /** The count's difference, and the imports that started at or after {@code sinceNanos}, each with its subtree. */
    @Override
    public ImportStats minus(ImportStats earlier, long sinceNanos) {
        List<ImportNode> since = new ArrayList<>();
        tree.forEach(root -> startedSince(root, sinceNanos, since));
        return new ImportStats(count - earlier.count, since);
    }

    private static void startedSince(ImportNode node, long since, List<ImportNode> out) {
        if (node.startNanos() >= since) {
            out.add(node);
        } else {
            node.children().forEach(child -> startedSince(child, since, out));
        }
    }
}

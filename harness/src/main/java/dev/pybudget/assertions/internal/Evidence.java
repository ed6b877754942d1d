package dev.pybudget.assertions.internal;

import dev.pybudget.recording.AuditEvent;
import dev.pybudget.recording.CallCount;
import dev.pybudget.recording.GcStats;
import dev.pybudget.recording.ImportNode;
import dev.pybudget.recording.PauseStats;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The evidence in failure messages, rendered the same way everywhere: durations, import trees as
 * {@code -X importtime} would nest them, collections with their pauses, counts per name. Lines
 * are joined with "\n" whatever the platform, so that messages can be pinned in tests.
 */
public final class Evidence {
    private Evidence() {}

    /** Lines of an import tree shown before the rest is summarised: enough to see what pulled in what. */
    public static final int MAX_TREE_LINES = 40;
    /** Functions or events listed before the rest is summarised. */
    public static final int MAX_COUNT_LINES = 10;

    /** 38.0 ms, 262 µs, 840 ns, 1.25 s: three significant digits at most, in the unit a person expects. */
    public static String duration(long nanos) {
        if (nanos >= 1_000_000_000L) {
            return String.format(Locale.ROOT, "%.2f s", nanos / 1e9);
        }
        if (nanos >= 999_950L) {
            return String.format(Locale.ROOT, "%.1f ms", nanos / 1e6);
        }
        if (nanos >= 1_000L) {
            return Math.round(nanos / 1e3) + " µs";
        }
        return nanos + " ns";
    }

    public static String duration(Duration d) {
        return duration(d.toNanos());
    }

    /** "1 module", "3 modules". */
    public static String count(long n, String singular, String plural) {
        return n + " " + (n == 1 ? singular : plural);
    }

    /** Import subtrees, each root on its own line and its descendants below it, as {@code ├─ numbers 1.1 ms}. */
    public static String importTree(List<ImportNode> roots) {
        return importTree(roots, List.of());
    }

    /**
     * @param rootNotes text after each root's duration, e.g. ", imported by report" (empty list: none)
     */
    public static String importTree(List<ImportNode> roots, List<String> rootNotes) {
        boolean manyThreads = roots.stream().map(ImportNode::thread).distinct().count() > 1;
        StringBuilder out = new StringBuilder();
        int[] lines = {0};
        long total = roots.stream().mapToLong(Evidence::size).sum();
        for (int r = 0; r < roots.size() && lines[0] < MAX_TREE_LINES; r++) {
            ImportNode root = roots.get(r);
            String note = (rootNotes.isEmpty() ? "" : rootNotes.get(r)) + (manyThreads ? " (thread " + root.thread() + ")" : "");
            importLines(out, root, "  ", "  ", note, lines);
        }
        if (lines[0] < total) {
            line(out, "  ... " + count(total - lines[0], "more import", "more imports") + " not shown");
        }
        return out.toString();
    }

    private static void importLines(StringBuilder out, ImportNode node, String prefix, String childPrefix, String note,
                                    int[] lines) {
        if (lines[0] >= MAX_TREE_LINES) {
            return;
        }
        lines[0]++;
        line(out, prefix + node.module() + (node.found() ? "" : " (not found)") + " " + duration(node.durationNanos()) + note);
        for (int i = 0; i < node.children().size(); i++) {
            boolean last = i == node.children().size() - 1;
            importLines(out, node.children().get(i), childPrefix + (last ? "└─ " : "├─ "),
                    childPrefix + (last ? "   " : "│  "), "", lines);
        }
    }

    public static long size(ImportNode node) {
        return 1 + node.children().stream().mapToLong(Evidence::size).sum();
    }

    public static long totalNanos(List<ImportNode> roots) {
        return roots.stream().mapToLong(ImportNode::durationNanos).sum();
    }

    /** Collections per generation, objects collected, and the pauses: what a GC budget is about. */
    public static String collections(GcStats gc) {
        StringBuilder out = new StringBuilder();
        line(out, String.format(Locale.ROOT, "  collections: gen0 %d, gen1 %d, gen2 %d; %s", gc.collections(0),
                gc.collections(1), gc.collections(2), count(gc.collected(), "object collected", "objects collected")));
        PauseStats p = gc.pauseNanos();
        if (p.count() == 0) {
            line(out, "  pauses: none");
        } else {
            line(out, String.format(Locale.ROOT, "  pauses: %d, p50 <= %s, p99 <= %s, max %s, total %s", p.count(),
                    duration(p.p50()), duration(p.p99()), duration(p.max()), duration(p.totalNanos())));
        }
        return out.toString();
    }

    /** The non-empty buckets of the pause histogram: where the pauses lie, at log2 resolution. */
    public static String pauseHistogram(PauseStats pauses) {
        StringBuilder out = new StringBuilder();
        if (pauses.count() == 0) {
            return "";
        }
        line(out, "  pause histogram:");
        List<Long> h = pauses.log2Histogram();
        for (int b = 0; b < h.size(); b++) {
            if (h.get(b) > 0) {
                line(out, String.format(Locale.ROOT, "    [%s, %s)  %d", duration(bucketLow(b)), duration(bucketHigh(b)), h.get(b)));
            }
        }
        return out.toString();
    }

    /** Bucket b holds pauses in [2^b, 2^(b+1)) ns. */
    public static long bucketLow(int bucket) {
        return bucket >= 63 ? Long.MAX_VALUE : 1L << bucket;
    }

    public static long bucketHigh(int bucket) {
        return bucket >= 62 ? Long.MAX_VALUE : 1L << (bucket + 1);
    }

    /** Right-aligned counts and their names, busiest first, at most {@link #MAX_COUNT_LINES}. */
    public static String countLines(List<CallCount> calls) {
        StringBuilder out = new StringBuilder();
        int width = calls.stream().limit(MAX_COUNT_LINES).mapToInt(c -> Long.toString(c.count()).length()).max().orElse(1);
        calls.stream().limit(MAX_COUNT_LINES).forEach(c ->
                line(out, "  " + " ".repeat(width - Long.toString(c.count()).length()) + c.count() + "  " + c.qualifiedName()));
        if (calls.size() > MAX_COUNT_LINES) {
            line(out, "  ... and " + count(calls.size() - MAX_COUNT_LINES, "more function", "more functions"));
        }
        return out.toString();
    }

    /** Where an event first happened, from the stream, when the stream has it. */
    public static Optional<AuditEvent> first(List<AuditEvent> events, String name) {
        return events.stream().filter(e -> e.event().equals(name)).findFirst();
    }

    public static void line(StringBuilder out, String text) {
        if (!out.isEmpty()) {
            out.append('\n');
        }
        out.append(text);
    }
}

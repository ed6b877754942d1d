package dev.pybudget.report;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pybudget.recording.AuditEvent;
import dev.pybudget.recording.GcStats;
import dev.pybudget.recording.ImportNode;
import dev.pybudget.recording.PauseStats;
import dev.pybudget.recording.Recording;
import dev.pybudget.recording.Window;
import dev.pybudget.recording.WindowSpan;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * A recording as a Chrome Trace Event file (the JSON object form, {@code {"traceEvents": [...]}}),
 * which Perfetto and chrome://tracing open: one process (the traced CPython), one track per thread.
 *
 * <ul>
 *   <li>Imports are complete slices ("X"), nested per thread as {@code -X importtime} nests them:
 *       an import's slice contains the slices of the imports it caused.</li>
 *   <li>Audit events streamed with their times ({@code TraceOptions.withStreamAudit}) are thread
 *       instants ("i"); the window marks sys.audit("pybudget.begin"/"pybudget.end") are among them.</li>
 *   <li>Garbage collection: the recording keeps collections and pauses as kernel counts and a
 *       histogram, not one record per collection, so there is nothing to draw as a slice. They are
 *       written as counters ("C") that step from zero at the start to the totals at the end, and
 *       as one process-wide instant at the end whose arguments hold the pause statistics.</li>
 *   <li>Windows are drawn where they were open ({@code Window.spans}). A Python window holds what ran on
 *       the thread that marked it: a complete slice ("X", category "window") on that thread's track, around
 *       the imports it caused. A window opened from Java holds the whole process: an async slice ("b"/"e",
 *       category "java window"), which Perfetto draws on a track of the process. A window still open when the
 *       recording was read ends at the end, with {@code "open": true} in its arguments. Their names are also
 *       listed in "otherData".</li>
 * </ul>
 * Times are microseconds from the start of the recording, written with three decimals so that
 * nanoseconds survive and slices nest exactly.
 */
public final class ChromeTrace {
    private ChromeTrace() {}

    /** Plain decimals ("10000.000", never "1E+4"): the times read the same in any viewer. */
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN)
            .setNodeFactory(JsonNodeFactory.withExactBigDecimals(true));

    public static ObjectNode toJson(Recording r) {
        ObjectNode root = MAPPER.createObjectNode();
        ArrayNode events = root.putArray("traceEvents");
        long pid = r.python().pid();

        Set<Long> threads = new TreeSet<>();
        r.whole().imports().forEach(root1 -> root1.forEach(node -> threads.add(node.thread())));
        r.whole().auditEvents().forEach(e -> threads.add(e.thread()));
        r.windows().forEach(w -> w.spans().stream().filter(span -> !span.wholeProcess()).forEach(span -> threads.add(span.thread())));
        threads.add(pid);
        events.addObject().put("name", "process_name").put("ph", "M").put("pid", pid).put("tid", pid)
                .putObject("args").put("name", "CPython " + r.python().version() + " " + r.python().executable());
        for (long tid : threads) {
            events.addObject().put("name", "thread_name").put("ph", "M").put("pid", pid).put("tid", tid)
                    .putObject("args").put("name", tid == pid ? "main thread" : "thread " + tid);
            // The main thread first, the others in the order of their ids.
            events.addObject().put("name", "thread_sort_index").put("ph", "M").put("pid", pid).put("tid", tid)
                    .putObject("args").put("sort_index", tid == pid ? 0 : 1);
        }

        r.whole().imports().forEach(node -> importSlices(events, pid, node));
        windowSpans(events, pid, r);

        for (AuditEvent e : r.whole().auditEvents()) {
            ObjectNode instant = events.addObject().put("name", e.event()).put("cat", "audit").put("ph", "i").put("s", "t")
                    .put("pid", pid).put("tid", e.thread());
            instant.put("ts", micros(e.nanos()));
        }

        // A recording made with Recording.since keeps the times of the whole trace but the length of
        // its own part: the end is whichever comes last.
        long end = r.wallNanos();
        for (ImportNode top : r.whole().imports()) {
            end = Math.max(end, top.startNanos() + top.durationNanos());
        }
        for (AuditEvent e : r.whole().auditEvents()) {
            end = Math.max(end, e.nanos());
        }
        for (Window w : r.windows()) {
            for (WindowSpan span : w.spans()) {
                end = Math.max(end, span.endNanos());
            }
        }
        GcStats gc = r.whole().gc();
        gcCounters(events, pid, 0, 0, 0, 0, 0);
        gcCounters(events, pid, end, gc.collections(0), gc.collections(1), gc.collections(2), gc.collected());
        PauseStats p = gc.pauseNanos();
        ObjectNode summary = events.addObject().put("name", "gc pauses").put("cat", "gc").put("ph", "i").put("s", "p")
                .put("pid", pid).put("tid", pid);
        summary.put("ts", micros(end));
        summary.putObject("args").put("count", p.count()).put("p50_ns_at_most", p.p50()).put("p99_ns_at_most", p.p99())
                .put("max_ns", p.max()).put("total_ns", p.totalNanos());

        root.put("displayTimeUnit", "ms");
        ObjectNode other = root.putObject("otherData");
        other.put("producer", "pybudget");
        other.put("python", r.python().executable() + " (CPython " + r.python().version() + "), pid " + pid);
        other.put("windows", r.windows().stream().map(Window::name).collect(Collectors.joining(", ")));
        other.put("lostEvents", Long.toString(r.lostEvents()));
        return root;
    }

    private static void windowSpans(ArrayNode events, long pid, Recording r) {
        int id = 0;
        for (Window w : r.windows()) {
            for (WindowSpan span : w.spans()) {
                if (span.wholeProcess()) {
                    id++;
                    ObjectNode begin = events.addObject().put("name", w.name()).put("cat", "java window").put("ph", "b")
                            .put("id", id).put("pid", pid).put("tid", pid);
                    begin.put("ts", micros(span.startNanos()));
                    begin.putObject("args").put("open", span.open());
                    ObjectNode end = events.addObject().put("name", w.name()).put("cat", "java window").put("ph", "e")
                            .put("id", id).put("pid", pid).put("tid", pid);
                    end.put("ts", micros(span.endNanos()));
                } else {
                    ObjectNode slice = events.addObject().put("name", w.name()).put("cat", "window").put("ph", "X")
                            .put("pid", pid).put("tid", span.thread());
                    slice.put("ts", micros(span.startNanos()));
                    slice.put("dur", micros(span.durationNanos()));
                    slice.putObject("args").put("open", span.open());
                }
            }
        }
    }

    private static void importSlices(ArrayNode events, long pid, ImportNode node) {
        ObjectNode slice = events.addObject().put("name", node.module()).put("cat", "import").put("ph", "X")
                .put("pid", pid).put("tid", node.thread());
        slice.put("ts", micros(node.startNanos()));
        slice.put("dur", micros(node.durationNanos()));
        slice.putObject("args").put("found", node.found()).put("self_us", micros(node.selfNanos()));
        node.children().forEach(child -> importSlices(events, pid, child));
    }

    private static void gcCounters(ArrayNode events, long pid, long nanos, long gen0, long gen1, long gen2, long collected) {
        ObjectNode collections = events.addObject().put("name", "gc collections").put("cat", "gc").put("ph", "C")
                .put("pid", pid).put("tid", pid);
        collections.put("ts", micros(nanos));
        collections.putObject("args").put("gen0", gen0).put("gen1", gen1).put("gen2", gen2);
        ObjectNode freed = events.addObject().put("name", "gc objects collected").put("cat", "gc").put("ph", "C")
                .put("pid", pid).put("tid", pid);
        freed.put("ts", micros(nanos));
        freed.putObject("args").put("objects", collected);
    }

    /** Nanoseconds as microseconds with three exact decimals. */
    static BigDecimal micros(long nanos) {
        return BigDecimal.valueOf(nanos, 3);
    }

    /** Writes the trace whole or not at all: a temporary file renamed into place. */
    public static void write(Recording r, Path file) throws IOException {
        Path absolute = file.toAbsolutePath();
        Files.createDirectories(absolute.getParent());
        Path tmp = Files.createTempFile(absolute.getParent(), "." + absolute.getFileName(), ".tmp");
        try {
            MAPPER.writeValue(tmp.toFile(), toJson(r));
            Files.move(tmp, absolute, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}

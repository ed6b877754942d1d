package dev.pybudget.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.pybudget.engine.TraceOptions;
import dev.pybudget.recording.AuditEvent;
import dev.pybudget.recording.GcStats;
import dev.pybudget.recording.ImportNode;
import dev.pybudget.recording.Losses;
import dev.pybudget.recording.PauseStats;
import dev.pybudget.recording.PythonInfo;
import dev.pybudget.recording.Recording;
import dev.pybudget.recording.Sections;
import dev.pybudget.recording.Window;
import dev.pybudget.recording.WindowSpan;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import dev.pybudget.support.Pythons;
import dev.pybudget.support.OracleRun;
import dev.pybudget.support.LocalRuns;

class ChromeTraceTest {

    /** Decimals read as written ("0.500" stays 0.500): times are compared to the nanosecond. */
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .setNodeFactory(JsonNodeFactory.withExactBigDecimals(true));
    private static final Set<String> PHASES = Set.of("X", "i", "C", "M", "b", "e");

    @TempDir
    Path dir;

    private static ImportNode imp(String module, long start, long duration, long thread, ImportNode... children) {
        return new ImportNode(module, true, start, duration, thread, List.of(children));
    }

    /** Two threads: the main one (tid = pid = 100) imports a nested stack, a worker (101) imports one module. */
    private static Recording handBuilt() {
        List<ImportNode> imports = List.of(
                imp("decimal", 1_000, 38_000_000, 100,
                        imp("numbers", 2_000, 1_100_000, 100),
                        imp("_decimal", 1_200_000, 30_000_000, 100, imp("collections.abc", 1_300_000, 0, 100))),
                imp("json", 40_000_000, 3_200_000, 100),
                imp("csv", 5_000_000, 2_000_000, 101));
        List<Long> histogram = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            histogram.add(i == 17 ? 2L : 0L);
        }
        Sections whole = new Sections(new GcStats(List.of(5L, 1L, 0L), 321, PauseStats.fromHistogram(200_000, 350_000, histogram)),
                4, imports, List.of(), List.of(), List.of(new AuditEvent("pybudget.begin", 500, 100),
                new AuditEvent("socket.connect", 7_123_456, 101)));
        return new Recording(new PythonInfo("/usr/bin/python3.11", "3.11.2", 100), List.of("audit"), List.of(), 50_000_000,
                whole, 0, Losses.NONE, List.of(new Window("request", whole)), Optional.of(0));
    }

    @Test
    void should_write_valid_trace_event_json_with_every_kind_of_event() throws IOException {
        Path file = dir.resolve("out/trace.json");
        ChromeTrace.write(handBuilt(), file);
        JsonNode root = JSON.readTree(file.toFile());

        assertValidTraceEventFormat(root);
        assertThat(root.path("displayTimeUnit").asText()).isEqualTo("ms");
        assertThat(root.path("otherData").path("windows").asText()).isEqualTo("request");
        List<JsonNode> events = new ArrayList<>();
        root.path("traceEvents").forEach(events::add);
        assertThat(events).filteredOn(e -> e.path("ph").asText().equals("M") && e.path("name").asText().equals("thread_name"))
                .extracting(e -> e.path("tid").asLong() + "=" + e.path("args").path("name").asText())
                .containsExactly("100=main thread", "101=thread 101");
        assertThat(events).filteredOn(e -> e.path("ph").asText().equals("M") && e.path("name").asText().equals("process_name"))
                .extracting(e -> e.path("args").path("name").asText()).containsExactly("CPython 3.11.2 /usr/bin/python3.11");
        assertThat(events).filteredOn(e -> e.path("ph").asText().equals("i") && e.path("cat").asText().equals("audit"))
                .extracting(e -> e.path("name").asText() + "@" + e.path("ts").decimalValue().toPlainString() + "/" + e.path("tid"))
                .containsExactly("pybudget.begin@0.500/100", "socket.connect@7123.456/101");
        assertThat(events).filteredOn(e -> e.path("ph").asText().equals("C") && e.path("name").asText().equals("gc collections"))
                .extracting(e -> e.path("ts").decimalValue().toPlainString() + " " + e.path("args"))
                .containsExactly("0.000 {\"gen0\":0,\"gen1\":0,\"gen2\":0}", "50000.000 {\"gen0\":5,\"gen1\":1,\"gen2\":0}");
        assertThat(events).filteredOn(e -> e.path("name").asText().equals("gc pauses"))
                .extracting(e -> e.path("args").toString())
                .containsExactly("{\"count\":2,\"p50_ns_at_most\":200000,\"p99_ns_at_most\":200000,\"max_ns\":200000,\"total_ns\":350000}");
        // Times keep their nanoseconds, as plain decimals.
        assertThat(Files.readString(file)).contains("\"name\":\"numbers\",\"cat\":\"import\",\"ph\":\"X\",\"pid\":100,\"tid\":100,"
                + "\"ts\":2.000,\"dur\":1100.000");
    }

    @Test
    void import_slices_should_nest_per_thread_exactly_as_the_import_tree() {
        Recording r = handBuilt();
        JsonNode root = ChromeTrace.toJson(r);
        assertValidTraceEventFormat(root);
        assertThat(treesFromSlices(root)).isEqualTo(treesFromRecording(r.whole().imports()));
        assertThat(treesFromSlices(root).get(100L)).containsExactly(
                "decimal", "decimal>numbers", "decimal>_decimal", "decimal>_decimal>collections.abc", "json");
    }

    @Test
    void import_slices_of_a_real_recording_should_nest_as_its_import_tree() throws IOException {
        Recording r = LocalRuns.shared(TraceOptions.defaults().withStreamAudit(true), "lazy_import/app.py").recording();
        assertThat(r.lostEvents()).isZero();
        Path file = dir.resolve("lazy_import.trace.json");
        ChromeTrace.write(r, file);
        JsonNode root = JSON.readTree(file.toFile());

        assertValidTraceEventFormat(root);
        Map<Long, List<String>> fromSlices = treesFromSlices(root);
        assertThat(fromSlices).isEqualTo(treesFromRecording(r.whole().imports()));
        assertThat(fromSlices.values().stream().mapToLong(List::size).sum()).isEqualTo(r.whole().importCount());
        assertThat(fromSlices.get(r.python().pid())).contains("report>email.mime.text>email.mime>email");
        long instants = 0;
        for (JsonNode e : root.path("traceEvents")) {
            instants += e.path("cat").asText().equals("audit") ? 1 : 0;
        }
        assertThat(instants).isEqualTo(r.whole().auditEvents().size()).isPositive();
    }

    @Test
    void windows_should_be_slices_on_their_thread_and_java_windows_async_slices_of_the_process() {
        Recording r = handBuilt();
        List<Window> windows = List.of(
                new Window("request", r.whole(), 0, List.of(new WindowSpan(101, 4_000_000, 6_000_000, false),
                        new WindowSpan(100, 45_000_000, 5_000_000, true))),
                new Window("first request", r.whole(), 0, List.of(new WindowSpan(WindowSpan.PROCESS, 3_500_000, 7_000_000, false))));
        Recording withSpans = new Recording(r.python(), r.probes(), r.missingProbes(), r.wallNanos(), r.whole(), 0,
                Losses.NONE, windows, r.exitStatus());
        JsonNode root = ChromeTrace.toJson(withSpans);

        assertValidTraceEventFormat(root);
        List<JsonNode> events = new ArrayList<>();
        root.path("traceEvents").forEach(events::add);
        assertThat(events).filteredOn(e -> e.path("cat").asText().equals("window"))
                .extracting(e -> e.path("name").asText() + " " + e.path("ph").asText() + " tid " + e.path("tid") + " "
                        + e.path("ts").decimalValue().toPlainString() + "+" + e.path("dur").decimalValue().toPlainString()
                        + " " + e.path("args"))
                .containsExactly("request X tid 101 4000.000+6000.000 {\"open\":false}",
                        "request X tid 100 45000.000+5000.000 {\"open\":true}");
        assertThat(events).filteredOn(e -> e.path("cat").asText().equals("java window"))
                .extracting(e -> e.path("name").asText() + " " + e.path("ph").asText() + " id " + e.path("id") + " pid "
                        + e.path("pid") + " " + e.path("ts").decimalValue().toPlainString())
                .containsExactly("first request b id 1 pid 100 3500.000", "first request e id 1 pid 100 10500.000");
        // The csv import (5.000-7.000 ms on thread 101) lies inside the worker's window: a viewer nests it there.
        assertThat(root.path("otherData").path("windows").asText()).isEqualTo("request, first request");
    }

    @Test
    void python_windows_of_a_real_recording_should_be_drawn_once_per_begin_mark_on_the_marking_thread() {
        OracleRun run = LocalRuns.shared(TraceOptions.defaults().withStreamAudit(true), "windows.py");
        Recording r = run.recording();
        assertThat(r.lostEvents()).isZero();
        JsonNode root = ChromeTrace.toJson(r);
        assertValidTraceEventFormat(root);

        // Per thread, as many window slices as the workload wrote begin marks (the oracle's "opened"; "ghost" has none).
        Map<String, Long> slices = new TreeMap<>();
        Map<String, Set<Long>> threads = new TreeMap<>();
        for (JsonNode e : root.path("traceEvents")) {
            if (e.path("cat").asText().equals("window")) {
                slices.merge(e.path("name").asText(), 1L, Long::sum);
                threads.computeIfAbsent(e.path("name").asText(), n -> new java.util.TreeSet<>()).add(e.path("tid").asLong());
                assertThat(e.path("args").path("open").asBoolean()).as("%s ended before the workload", e).isFalse();
            }
        }
        Map<String, Long> opened = new TreeMap<>();
        run.oracle().root().path("windows").fields().forEachRemaining(w -> {
            if (w.getValue().path("opened").asLong() > 0) {
                opened.put(w.getKey(), w.getValue().path("opened").asLong());
            }
        });
        assertThat(slices).isEqualTo(opened).containsEntry("item", 3L).containsEntry("phase", 2L).doesNotContainKey("ghost");
        long pid = r.python().pid();
        assertThat(threads.get("batch")).containsExactly(pid);
        assertThat(threads.get("worker")).hasSize(1).doesNotContain(pid);

        // Every item lies inside the batch, the inner phase inside the outer one; each span starts at its begin mark.
        WindowSpan batch = r.window("batch").orElseThrow().spans().get(0);
        assertThat(r.window("item").orElseThrow().spans()).allSatisfy(item -> {
            assertThat(item.startNanos()).isGreaterThan(batch.startNanos());
            assertThat(item.endNanos()).isLessThan(batch.endNanos());
        });
        List<WindowSpan> phases = r.window("phase").orElseThrow().spans();
        assertThat(phases.get(1).startNanos()).isGreaterThan(phases.get(0).startNanos());
        assertThat(phases.get(1).endNanos()).isLessThan(phases.get(0).endNanos());
        List<Long> beginMarks = r.whole().auditEvents().stream().filter(e -> e.event().equals("pybudget.begin"))
                .map(AuditEvent::nanos).toList();
        assertThat(beginMarks).hasSize(slices.values().stream().mapToInt(Long::intValue).sum());
        r.windows().forEach(w -> w.spans().forEach(span -> assertThat(beginMarks)
                .anySatisfy(mark -> assertThat(Math.abs(mark - span.startNanos())).as("%s begins at its mark", w.name())
                        .isLessThan(1_000_000L))));
    }

    @Test
    void java_windows_of_a_real_trace_should_span_the_instants_they_were_open_on_the_process_track() throws Exception {
        ProcessBuilder sleeper = new ProcessBuilder(Pythons.DEBIAN.toString(), "-c", "import time; time.sleep(30)")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.INHERIT);
        try (dev.pybudget.engine.Trace trace = dev.pybudget.engine.Tracer.start(sleeper, TraceOptions.defaults())) {
            long before = System.nanoTime();
            Recording recorded = trace.record("driven", () -> sleep(60));
            long around = System.nanoTime() - before;
            dev.pybudget.engine.JavaWindow stillOpen = trace.openWindow("still open");
            sleep(20);
            Recording r = trace.snapshot();
            stillOpen.close();

            List<WindowSpan> driven = r.window("driven").orElseThrow().spans();
            assertThat(driven).hasSize(1);
            WindowSpan span = driven.get(0);
            assertThat(span.wholeProcess()).isTrue();
            assertThat(span.open()).isFalse();
            assertThat(span.durationNanos()).isBetween(60_000_000L, around);
            assertThat(span.endNanos()).isLessThanOrEqualTo(r.wallNanos());
            // record()'s own recording carries the span of its window too.
            assertThat(recorded.window("driven").orElseThrow().spans()).containsExactly(span);
            WindowSpan open = r.window("still open").orElseThrow().spans().get(0);
            assertThat(open.open()).isTrue();
            assertThat(open.startNanos()).isGreaterThan(span.endNanos());
            assertThat(open.endNanos()).isEqualTo(r.wallNanos());

            JsonNode root = ChromeTrace.toJson(r);
            assertValidTraceEventFormat(root);
            List<String> async = new ArrayList<>();
            root.path("traceEvents").forEach(e -> {
                if (e.path("cat").asText().equals("java window")) {
                    async.add(e.path("name").asText() + " " + e.path("ph").asText() + " " + e.path("id") + " "
                            + e.path("ts").decimalValue().movePointRight(3).longValueExact());
                }
            });
            assertThat(async).containsExactly("driven b 1 " + span.startNanos(), "driven e 1 " + span.endNanos(),
                    "still open b 2 " + open.startNanos(), "still open e 2 " + open.endNanos());
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Required fields and types of the Trace Event Format for the phases written. */
    private static void assertValidTraceEventFormat(JsonNode root) {
        assertThat(root.isObject()).isTrue();
        assertThat(root.path("traceEvents").isArray()).isTrue();
        for (JsonNode e : root.path("traceEvents")) {
            String ph = e.path("ph").asText();
            assertThat(PHASES).as("phase of %s", e).contains(ph);
            assertThat(e.path("name").isTextual()).as("name of %s", e).isTrue();
            assertThat(e.path("pid").isIntegralNumber()).as("pid of %s", e).isTrue();
            assertThat(e.path("tid").isIntegralNumber()).as("tid of %s", e).isTrue();
            switch (ph) {
                case "X" -> {
                    assertThat(e.path("ts").isNumber()).isTrue();
                    assertThat(e.path("dur").isNumber()).isTrue();
                    assertThat(e.path("dur").decimalValue().signum()).isNotNegative();
                }
                case "b", "e" -> {
                    assertThat(e.path("ts").isNumber()).isTrue();
                    assertThat(e.path("id").isIntegralNumber()).as("id of %s", e).isTrue();
                }
                case "i" -> {
                    assertThat(e.path("ts").isNumber()).isTrue();
                    assertThat(e.path("s").asText()).isIn("g", "p", "t");
                }
                case "C" -> {
                    assertThat(e.path("ts").isNumber()).isTrue();
                    e.path("args").forEach(v -> assertThat(v.isNumber()).as("counter value in %s", e).isTrue());
                }
                default -> assertThat(e.path("args").isObject()).isTrue();
            }
        }
    }

    /**
     * Rebuilds each thread's forest from the X slices by containment alone, as a viewer does: sorted by start
     * (longer first on a tie), a slice is the child of the innermost open slice that contains it. Each
     * node is written as its path of module names, in depth-first order.
     */
    private static Map<Long, List<String>> treesFromSlices(JsonNode root) {
        List<JsonNode> xs = new ArrayList<>();
        root.path("traceEvents").forEach(e -> {
            if (e.path("ph").asText().equals("X") && e.path("cat").asText().equals("import")) {
                xs.add(e);
            }
        });
        xs.sort((a, b) -> {
            int byStart = a.path("ts").decimalValue().compareTo(b.path("ts").decimalValue());
            return byStart != 0 ? byStart : b.path("dur").decimalValue().compareTo(a.path("dur").decimalValue());
        });
        Map<Long, List<String>> paths = new TreeMap<>();
        Map<Long, Deque<Object[]>> open = new TreeMap<>();
        for (JsonNode e : xs) {
            long tid = e.path("tid").asLong();
            long start = e.path("ts").decimalValue().movePointRight(3).longValueExact();
            long end = start + e.path("dur").decimalValue().movePointRight(3).longValueExact();
            Deque<Object[]> stack = open.computeIfAbsent(tid, t -> new ArrayDeque<>());
            while (!stack.isEmpty() && (long) stack.peek()[1] < end) {
                stack.pop();
            }
            String path = stack.isEmpty() ? e.path("name").asText() : stack.peek()[0] + ">" + e.path("name").asText();
            paths.computeIfAbsent(tid, t -> new ArrayList<>()).add(path);
            stack.push(new Object[] {path, end});
        }
        return paths;
    }

    private static Map<Long, List<String>> treesFromRecording(List<ImportNode> roots) {
        List<ImportNode> sorted = new ArrayList<>(roots);
        sorted.sort((a, b) -> Long.compare(a.startNanos(), b.startNanos()));
        Map<Long, List<String>> paths = new TreeMap<>();
        sorted.forEach(root -> walk(root, root.module(), paths));
        return paths;
    }

    private static void walk(ImportNode node, String path, Map<Long, List<String>> out) {
        out.computeIfAbsent(node.thread(), t -> new ArrayList<>()).add(path);
        node.children().forEach(child -> walk(child, path + ">" + child.module(), out));
    }
}

package dev.pybudget.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pybudget.recording.CallCount;
import dev.pybudget.recording.Losses;
import dev.pybudget.recording.Recording;
import dev.pybudget.recording.Sections;
import dev.pybudget.recording.Window;
import dev.pybudget.report.JsonReport;
import dev.pybudget.report.TextReport;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import dev.pybudget.support.RecordedCounts;
import dev.pybudget.support.Oracle;
import dev.pybudget.support.LocalRuns;
import dev.pybudget.support.CountComparisons;

/**
 * More than the kernel can hold: a ring buffer of one page under an event storm, a calls map smaller
 * than the number of functions, more audit names, window names and nesting than the maps take.
 * Whatever does not fit is counted and reported; what does fit is exact (equal to the oracle).
 */
class OverflowTest {

    @TempDir
    Path tmp;

    @Test
    void should_count_the_stream_records_a_full_ring_buffer_drops_and_keep_the_exact_counts_exact() throws Exception {
        Path oracleFile = tmp.resolve("oracle.json");
        Recording r;
        long streamed;
        try (LocalRuns.Run run = LocalRuns.start(tmp, LocalRuns.options().withRingBufferBytes(4096).withStreamAudit(true),
                Map.of("PYBUDGET_ORACLE", oracleFile.toString()), "reliability/storm.py", "200", "200")) {
            r = run.trace().finish();
            streamed = run.trace().streamedEvents();
            assertThat(r.exitStatus()).as("storm.py's stderr: %s", run.err()).contains(0);
        }
        Oracle oracle = Oracle.read(oracleFile);

        Sections storm = r.window("storm").map(Window::sections).orElseThrow();
        long audited = storm.audit().stream().mapToLong(a -> a.count()).sum();
        System.out.printf("ring buffer of 4096 bytes: %d stream records lost; window 'storm': %d audit events counted,"
                + " %d streamed; %d imports counted, %d in the streamed tree%n", r.lostEvents(), audited,
                storm.auditEvents().size(), storm.importCount(), storm.allImports().size());

        assertThat(r.lostEvents()).as("stream records the ring buffer had no room for").isPositive();
        assertThat(r.losses().events()).isEqualTo(r.lostEvents());
        assertThat(r.losses().countsIncomplete()).as("no exact count lost anything").isFalse();
        // The counts made in the kernel are exact all the same.
        CountComparisons.assertSameWindow("storm", storm, oracle.window("storm"));
        assertThat(storm.auditCount("storm.tick")).isEqualTo(200 * 200);
        assertThat(storm.importCount()).isEqualTo(200);
        CountComparisons.assertSameGc("whole run (gc.get_stats)", r.gc(), oracle.root().path("gcStats"));
        // What comes from the stream is short, and the recording says by how much at most.
        assertThat(storm.auditEvents().size()).as("audit events in the stream").isLessThan((int) audited);
        assertThat(storm.auditEvents().size() + r.lostEvents()).as("streamed + lost covers every audit event")
                .isGreaterThanOrEqualTo(audited);
        assertThat(storm.allImports().size() + r.lostEvents()).isGreaterThanOrEqualTo(storm.importCount());
        // Over the whole run, exactly: each import wrote two records (start, done), each audit event one, and each
        // window mark one more (its begin or end); each record was delivered or counted as lost.
        long wholeAudit = r.whole().audit().stream().mapToLong(a -> a.count()).sum();
        long marks = r.whole().auditCount("pybudget.begin") + r.whole().auditCount("pybudget.end");
        assertThat(streamed + r.lostEvents()).as("records delivered + lost = records written")
                .isEqualTo(2 * r.whole().importCount() + wholeAudit + marks);
        assertThat(JsonReport.toJson(r).path("lostEvents").asLong()).isEqualTo(r.lostEvents());
        assertThat(TextReport.render(r)).contains("lost events: " + r.lostEvents()
                + " (the import tree and audit stream are incomplete; exact counts are not affected)");
    }

    @Test
    void should_count_what_has_no_room_in_the_maps_and_keep_every_count_that_has_room_exact() throws Exception {
        Path oracleFile = tmp.resolve("oracle.json");
        int functions = 2000, entries = 1000, auditNames = 17_000, windows = 60;
        Recording r;
        try (LocalRuns.Run run = LocalRuns.start(tmp, LocalRuns.options().withCallPattern("*/map_full.py:f_*").withCallsMapEntries(entries),
                Map.of("PYBUDGET_ORACLE", oracleFile.toString()), "reliability/map_full.py", String.valueOf(functions),
                String.valueOf(auditNames), String.valueOf(windows))) {
            r = run.trace().finish();
            assertThat(r.exitStatus()).as("map_full.py's stderr: %s", run.err()).contains(0);
        }
        Oracle oracle = Oracle.read(oracleFile);
        Losses losses = r.losses();
        System.out.printf("maps full: %s%n", losses);

        // Calls: the map holds `entries` functions; each held count is exact; the rest is counted as lost, call by call.
        Map<String, Long> oracleCalls = Oracle.counts(oracle.root(), "rawCalls");
        oracleCalls.keySet().removeIf(k -> !k.substring(k.lastIndexOf(':') + 1).startsWith("f_"));
        assertThat(oracleCalls).hasSize(functions);
        Map<String, Long> kernelCalls = RecordedCounts.calls(r.whole());
        assertThat(kernelCalls).as("the calls map is full").hasSize(entries);
        kernelCalls.forEach((key, n) -> assertThat(n).as("calls of %s", key).isEqualTo(oracleCalls.get(key)));
        long counted = r.calls().stream().mapToLong(CallCount::count).sum();
        long all = oracleCalls.values().stream().mapToLong(Long::longValue).sum();
        assertThat(losses.calls()).as("calls with no room").isPositive().isEqualTo(all - counted);

        // Audit: 16384 (window, event) entries; each distinct ev.N fires once.
        long evCounted = r.audit().stream().filter(a -> a.event().startsWith("ev.")).mapToLong(a -> a.count()).sum();
        assertThat(losses.audit()).as("audit events with no room").isPositive().isEqualTo(auditNames - evCounted);
        r.audit().stream().filter(a -> a.event().startsWith("ev.")).forEach(a -> assertThat(a.count()).isEqualTo(1));

        // Windows: 63 names have a slot (d1..d6, then w0..w56), the last 3 names have none; d5 and d6 were nested too deep.
        assertThat(losses.windowSlots()).as("window names with no slot").isEqualTo(3);
        assertThat(losses.windowDepth()).as("windows nested past four").isEqualTo(2);
        List<String> slotted = IntStream.range(0, windows - 3).mapToObj(k -> "w" + k).toList();
        assertThat(r.windows()).extracting(Window::name).containsAll(slotted).contains("d1", "d4")
                .doesNotContain("w57", "w58", "w59").hasSize(63);
        for (String name : slotted) {
            CountComparisons.assertSameWindow(name, r.window(name).orElseThrow().sections(), oracle.window(name));
        }
        for (String name : List.of("d1", "d2", "d3", "d4")) {
            CountComparisons.assertSameWindow(name, r.window(name).orElseThrow().sections(), oracle.window(name));
        }
        JsonNode d5 = oracle.window("d5");
        assertThat(RecordedCounts.audit(r.window("d5").orElseThrow().sections()))
                .as("d5 was not followed (counted in windowDepth)").isNotEqualTo(Oracle.counts(d5, "audit"));

        assertThat(losses.countsIncomplete()).isTrue();
        assertThat(losses.events() + losses.windowNames() + losses.windowUnbalanced() + losses.gcUnpaired()
                + losses.callPatternSteps() + losses.unencodableNames()).isZero();
        JsonNode json = JsonReport.toJson(r).path("losses");
        assertThat(json.path("calls").asLong()).isEqualTo(losses.calls());
        assertThat(json.path("audit").asLong()).isEqualTo(losses.audit());
        assertThat(TextReport.render(r)).contains("call counts with no room in the map: " + losses.calls(),
                "audit counts with no room in the map: " + losses.audit(), "3 over the name limit, 2 nested too deep");
    }
}

package dev.pybudget.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pybudget.recording.Losses;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import dev.pybudget.support.RecordedCounts;
import dev.pybudget.support.OracleRun;
import dev.pybudget.support.Oracle;
import dev.pybudget.support.LocalRuns;

/** function__return against sys.setprofile "return" events of the fixture's own code. */
class CallsOracleTest {

    @TempDir
    Path tmp;

    @Test
    void should_count_each_function_of_the_pattern_as_often_as_the_profiler_sees_it_return() throws Exception {
        OracleRun run = LocalRuns.traceWithOracle(tmp, LocalRuns.options().withCallPattern("*/call_parser.py:*"),
                "call_parser.py");

        Map<String, Long> oracle = Oracle.counts(run.oracle().whole(), "rawCalls");
        assertThat(RecordedCounts.calls(run.recording().whole())).as("calls over the whole run, kernel vs oracle")
                .isEqualTo(oracle);
        assertThat(RecordedCounts.calls(run.window("work"))).as("calls in window 'work', kernel vs oracle")
                .isEqualTo(Oracle.counts(run.oracle().window("work"), "rawCalls"));
        // Generator resumes and unwinding SyntaxErrors are in there: the parser's hot paths.
        assertThat(oracle.keySet()).anyMatch(k -> k.endsWith("/call_parser.py:tokenize"))
                .anyMatch(k -> k.endsWith("/call_parser.py:parse_factor"));
        assertThat(run.recording().losses()).isEqualTo(Losses.NONE);
    }

    @Test
    void should_count_every_call_that_found_no_room_in_the_calls_map() throws Exception {
        OracleRun run = LocalRuns.traceWithOracle(tmp,
                LocalRuns.options().withCallPattern("*/call_parser.py:*").withCallsMapEntries(3), "call_parser.py", "60");

        // Each call counts once for the whole run and once for the window it ran in (here "work"):
        // what is not in the map is in the loss counter, call for call.
        long expected = total(Oracle.counts(run.oracle().whole(), "rawCalls"))
                + total(Oracle.counts(run.oracle().window("work"), "rawCalls"));
        long recorded = total(RecordedCounts.calls(run.recording().whole())) + total(RecordedCounts.calls(run.window("work")));
        // Three names fit (call_ids), so the whole run counts three functions (call_totals, by name); the window's
        // counts have their own three entries (call_counts).
        assertThat(RecordedCounts.calls(run.recording().whole())).as("functions counted over the whole run").hasSize(3);
        assertThat(RecordedCounts.calls(run.window("work")).keySet()).as("functions counted in the window")
                .isNotEmpty().isSubsetOf(RecordedCounts.calls(run.recording().whole()).keySet());
        assertThat(run.recording().losses().calls()).as("calls without room in the map").isPositive()
                .isEqualTo(expected - recorded);
        assertThat(run.recording().losses().countsIncomplete()).isTrue();
        assertThat(dev.pybudget.report.TextReport.render(run.recording()))
                .contains("call counts with no room in the map: " + run.recording().losses().calls());
    }

    @Test
    void should_count_each_function_under_its_own_name_when_its_strings_reuse_a_dead_functions_addresses() throws Exception {
        OracleRun run = LocalRuns.traceWithOracle(tmp, LocalRuns.options().withCallPattern("*/generated_*.py:*"),
                "reused_names.py", "200");

        // The kernel caches per pair of string addresses; here most rounds reuse an earlier pair.
        assertThat(run.stdout()).as("the fixture made its strings reuse addresses").containsPattern("reused=(1\\d\\d)\\b");
        Map<String, Long> oracle = Oracle.counts(run.oracle().whole(), "rawCalls");
        assertThat(oracle).as("functions the profiler saw return").hasSize(400); // each round: <module> and its function
        assertThat(RecordedCounts.calls(run.recording().whole())).as("calls over the whole run, kernel vs oracle")
                .isEqualTo(oracle);
        assertThat(RecordedCounts.calls(run.window("work"))).as("calls in window 'work', kernel vs oracle")
                .isEqualTo(Oracle.counts(run.oracle().window("work"), "rawCalls"));
        assertThat(run.recording().losses()).isEqualTo(Losses.NONE);
    }

    private static long total(Map<String, Long> counts) {
        return counts.values().stream().mapToLong(Long::longValue).sum();
    }

    @Test
    void should_count_only_the_functions_whose_name_matches_the_function_glob() throws Exception {
        OracleRun run = LocalRuns.traceWithOracle(tmp, LocalRuns.options().withCallPattern("*/call_parser.py:parse_?*"),
                "call_parser.py", "120");

        Map<String, Long> expected = new TreeMap<>();
        Oracle.counts(run.oracle().window("work"), "rawCalls").forEach((key, n) -> {
            if (key.substring(key.lastIndexOf(':') + 1).startsWith("parse_")) {
                expected.put(key, n);
            }
        });
        assertThat(expected).hasSize(4); // parse_expr, parse_term, parse_factor, parse_number
        assertThat(RecordedCounts.calls(run.window("work"))).isEqualTo(expected);
        assertThat(RecordedCounts.calls(run.recording().whole())).isEqualTo(expected);
    }
}

package dev.pybudget.assertions;

import dev.pybudget.assertions.internal.Globs;
import static dev.pybudget.assertions.PyBudgetAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pybudget.engine.TraceOptions;
import dev.pybudget.recording.CallCount;
import dev.pybudget.recording.Recording;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import dev.pybudget.support.PythonFixtures;
import dev.pybudget.support.OracleRun;
import dev.pybudget.support.LocalRuns;

/**
 * Every assertion on real recordings of the python-fixtures, checked against the in-process oracle
 * of the same run. Messages are pinned exactly; only durations, which no two runs share, are
 * replaced by "<t>" before comparing.
 */
class FixtureBudgetsTest {

    private static final String PARSER_FILE = PythonFixtures.WORKLOADS.resolve("call_parser.py").toString();

    private static OracleRun gcChurn() {
        return LocalRuns.shared(TraceOptions.defaults(), "gc_churn.py");
    }

    private static OracleRun lazyImport() {
        return LocalRuns.shared(TraceOptions.defaults(), "lazy_import/app.py");
    }

    private static OracleRun callParser() {
        return LocalRuns.shared(TraceOptions.defaults().withCallPattern("*/call_parser.py:*"), "call_parser.py");
    }

    private static OracleRun auditIo() {
        return LocalRuns.shared(TraceOptions.defaults().withStreamAudit(true), "audit_io.py");
    }

    /** Durations differ from run to run: "38.0 ms", "262 µs", "840 ns", "1.25 s" all become "<t>". */
    static String times(String message) {
        return message.replaceAll("\\d+(\\.\\d+)? (ns|µs|ms|s)\\b", "<t>");
    }

    private static String messageOf(Runnable assertion) {
        Throwable thrown = catchThrowable(assertion::run);
        assertThat(thrown).as("the assertion should have failed").isInstanceOf(AssertionError.class);
        return thrown.getMessage();
    }

    private static long[] collections(JsonNode oracleWindow) {
        JsonNode c = oracleWindow.path("gc").path("collections");
        return new long[] {c.get(0).asLong(), c.get(1).asLong(), c.get(2).asLong()};
    }

    private static String collectionsLine(JsonNode oracleWindow) {
        long[] c = collections(oracleWindow);
        return "  collections: gen0 " + c[0] + ", gen1 " + c[1] + ", gen2 " + c[2] + "; "
                + oracleWindow.path("gc").path("collected").asLong() + " objects collected";
    }

    // ---- gc_churn.py: collections in the window "work" ------------------------------------------

    @Test
    void gc_budgets_should_pass_on_gc_churn_at_the_oracle_counts() {
        OracleRun run = gcChurn();
        JsonNode work = run.oracle().window("work");
        long[] c = collections(work);
        assertThat(c[2]).as("gc_churn collects gen 2 in its window").isPositive();
        assertThat(run.recording()).window("work").gc()
                .hasCollectionsAtMost(0, c[0]).hasCollectionsAtMost(1, c[1]).hasCollectionsAtMost(2, c[2])
                .hasCollectionsAtMost(c[0] + c[1] + c[2])
                .hasCollectedAtMost(work.path("gc").path("collected").asLong())
                .hasMaxPauseBelow(Duration.ofSeconds(10))
                .hasP99PauseBelow(Duration.ofSeconds(10));
    }

    @Test
    void gc_collection_budgets_should_fail_on_gc_churn_with_the_oracle_counts() {
        Recording r = gcChurn().recording();
        JsonNode work = gcChurn().oracle().window("work");
        long[] c = collections(work);
        String pauses = "\n  pauses: " + r.window("work").orElseThrow().sections().gc().pauseNanos().count()
                + ", p50 <= <t>, p99 <= <t>, max <t>, total <t>";

        assertThat(times(messageOf(() -> assertThat(r).window("work").gc().hasNoCollections(2)))).isEqualTo(
                "Expected no gen-2 collections in window 'work', but there " + (c[2] == 1 ? "was 1" : "were " + c[2]) + ":\n"
                        + collectionsLine(work) + pauses);
        assertThat(times(messageOf(() -> assertThat(r).window("work").gc().hasCollectionsAtMost(0, c[0] - 1)))).isEqualTo(
                "Expected at most " + (c[0] - 1) + " gen-0 collections in window 'work', but there were " + c[0] + ":\n"
                        + collectionsLine(work) + pauses);
        long all = c[0] + c[1] + c[2];
        assertThat(times(messageOf(() -> assertThat(r).window("work").gc().hasCollectionsAtMost(all - 1)))).isEqualTo(
                "Expected at most " + (all - 1) + " collections (all generations) in window 'work', but there were " + all
                        + ":\n" + collectionsLine(work) + pauses);
        long collected = work.path("gc").path("collected").asLong();
        assertThat(times(messageOf(() -> assertThat(r).window("work").gc().hasCollectedAtMost(collected - 1)))).isEqualTo(
                "Expected at most " + (collected - 1) + " objects collected in window 'work', but the collector freed "
                        + collected + ":\n" + collectionsLine(work) + pauses);
    }

    @Test
    void gc_pause_budgets_should_fail_on_gc_churn_with_the_pause_histogram() {
        Recording r = gcChurn().recording();
        JsonNode work = gcChurn().oracle().window("work");
        String maxMessage = times(messageOf(() -> assertThat(r).window("work").gc().hasMaxPauseBelow(Duration.ofNanos(1))));
        assertThat(maxMessage).startsWith("Expected no collection pause of <t> or more in window 'work', but the longest took <t>:\n"
                        + collectionsLine(work) + "\n  pauses: ")
                .contains("\n  pause histogram:\n    [<t>, <t>)  ");
        String p99Message = times(messageOf(() -> assertThat(r).window("work").gc().hasP99PauseBelow(Duration.ofNanos(1))));
        assertThat(p99Message).startsWith("Expected a p99 collection pause below <t> in window 'work', but it was at least <t>"
                + " (its histogram bucket is [<t>, <t>)):\n" + collectionsLine(work));
    }

    // ---- lazy_import/app.py: the first call imports the reporting stack ------------------------

    @Test
    void import_budgets_should_pass_where_nothing_is_imported() {
        Recording r = lazyImport().recording();
        assertThat(lazyImport().oracle().window("second").path("imports")).isEmpty();
        assertThat(r).window("second").imports().isEmpty().containsNone("email", "decimal").hasCountAtMost(0)
                .hasTotalTimeBelow(Duration.ofNanos(1));
    }

    @Test
    void import_budgets_should_pass_in_the_first_window_within_the_oracle_count() {
        Recording r = lazyImport().recording();
        int modules = lazyImport().oracle().window("first").path("imports").size();
        assertThat(r).window("first").imports().hasCountAtMost(modules).containsNone("asyncio", "xml.sax", "emailx")
                .hasTotalTimeBelow(Duration.ofSeconds(30));
        assertThat(r).imports().containsNone("numpy");
    }

    @Test
    void isEmpty_should_fail_on_the_first_request_with_the_import_tree() {
        Recording r = lazyImport().recording();
        int modules = lazyImport().oracle().window("first").path("imports").size();
        assertThat(r.window("first").orElseThrow().sections().importCount()).isEqualTo(modules);
        String message = times(messageOf(() -> assertThat(r).window("first").imports().isEmpty()));
        assertThat(message).isEqualTo("Expected no imports in window 'first', but " + modules + " modules were imported (<t>):\n"
                + FIRST_TREE);
    }

    /** The import tree of lazy_import/app.py's first make_report(), as Debian's CPython 3.11 imports it. */
    private static final String FIRST_TREE = String.join("\n",
            "  report <t>",
            "  ├─ csv <t>",
            "  │  ├─ re <t>",
            "  │  │  ├─ enum <t>",
            "  │  │  ├─ re._compiler <t>",
            "  │  │  │  ├─ _sre <t>",
            "  │  │  │  ├─ re._parser <t>",
            "  │  │  │  │  └─ re._constants <t>",
            "  │  │  │  └─ re._casefix <t>",
            "  │  │  └─ copyreg <t>",
            "  │  └─ _csv <t>",
            "  ├─ decimal <t>",
            "  │  └─ _decimal <t>",
            "  │     ├─ numbers <t>",
            "  │     └─ collections.abc <t>",
            "  ├─ email.mime.text <t>",
            "  │  ├─ email.mime <t>",
            "  │  │  └─ email <t>",
            "  │  ├─ email.charset <t>",
            "  │  │  ├─ email.base64mime <t>",
            "  │  │  │  └─ base64 <t>",
            "  │  │  │     ├─ struct <t>",
            "  │  │  │     │  └─ _struct <t>",
            "  │  │  │     └─ binascii <t>",
            "  │  │  ├─ email.quoprimime <t>",
            "  │  │  │  └─ string <t>",
            "  │  │  │     └─ _string <t>",
            "  │  │  ├─ email.errors <t>",
            "  │  │  └─ email.encoders <t>",
            "  │  │     └─ quopri <t>",
            "  │  └─ email.mime.nonmultipart <t>",
            "  │     └─ email.mime.base <t>",
            "  │        └─ email.policy <t>",
            "  │           ├─ email._policybase <t>",
            "  │           │  ├─ email.header <t>",
            "  │           │  └─ email.utils <t>",
            "  │           │     ├─ random <t>",
            "  │           │     │  ├─ warnings <t>",
            "  │           │     │  ├─ math <t>",
            "  │           │     │  ├─ bisect <t>",
            "  ... 49 more imports not shown");

    /** What email.mime.text pulls in, as report imports it in the first window. */
    private static final String EMAIL_SUBTREE = String.join("\n",
            "  email.mime.text <t>, imported by report",
            "  ├─ email.mime <t>",
            "  │  └─ email <t>",
            "  ├─ email.charset <t>",
            "  │  ├─ email.base64mime <t>",
            "  │  │  └─ base64 <t>",
            "  │  │     ├─ struct <t>",
            "  │  │     │  └─ _struct <t>",
            "  │  │     └─ binascii <t>",
            "  │  ├─ email.quoprimime <t>",
            "  │  │  └─ string <t>",
            "  │  │     └─ _string <t>",
            "  │  ├─ email.errors <t>",
            "  │  └─ email.encoders <t>",
            "  │     └─ quopri <t>",
            "  └─ email.mime.nonmultipart <t>",
            "     └─ email.mime.base <t>",
            "        └─ email.policy <t>",
            "           ├─ email._policybase <t>",
            "           │  ├─ email.header <t>",
            "           │  └─ email.utils <t>",
            "           │     ├─ random <t>",
            "           │     │  ├─ warnings <t>",
            "           │     │  ├─ math <t>",
            "           │     │  ├─ bisect <t>",
            "           │     │  │  └─ _bisect <t>",
            "           │     │  ├─ _random <t>",
            "           │     │  └─ _sha512 <t>",
            "           │     ├─ socket <t>",
            "           │     │  ├─ _socket <t>",
            "           │     │  ├─ selectors <t>",
            "           │     │  │  └─ select <t>",
            "           │     │  ├─ errno <t>",
            "           │     │  └─ array <t>",
            "           │     ├─ datetime <t>",
            "           │     │  └─ _datetime <t>",
            "           │     ├─ urllib.parse <t>",
            "           │     │  ├─ urllib <t>",
            "           │     │  └─ ipaddress <t>",
            "           │     └─ email._parseaddr <t>",
            "  ... 10 more imports not shown");

    @Test
    void containsNone_should_fail_on_the_first_request_with_the_email_subtree() {
        Recording r = lazyImport().recording();
        long emailModules = 0;
        for (JsonNode module : lazyImport().oracle().window("first").path("imports")) {
            emailModules += module.asText().equals("email") || module.asText().startsWith("email.") ? 1 : 0;
        }
        String message = times(messageOf(() -> assertThat(r).window("first").imports().containsNone("email")));
        assertThat(message).isEqualTo("Expected no import of 'email' in window 'first', but " + emailModules
                + " modules matched (<t>):\n" + EMAIL_SUBTREE);
    }

    @Test
    void count_and_time_budgets_should_fail_on_the_first_request() {
        Recording r = lazyImport().recording();
        int modules = lazyImport().oracle().window("first").path("imports").size();
        assertThat(times(messageOf(() -> assertThat(r).window("first").imports().hasCountAtMost(modules - 1))))
                .isEqualTo("Expected at most " + (modules - 1) + " imports in window 'first', but " + modules
                        + " modules were imported (<t>):\n" + FIRST_TREE);
        assertThat(times(messageOf(() -> assertThat(r).window("first").imports().hasTotalTimeBelow(Duration.ofNanos(1)))))
                .isEqualTo("Expected less than <t> of imports in window 'first', but they took <t> (" + modules + " modules):\n"
                        + FIRST_TREE);
    }

    // ---- call_parser.py: calls counted with the pattern */call_parser.py:* ----------------------

    @Test
    void call_budgets_should_pass_at_the_oracle_counts() {
        OracleRun run = callParser();
        assertThat(run.recording()).window("work").calls()
                .hasCallsAtMost("*/call_parser.py:parse_*", oracleCalls(run, "parse_?*"))
                .hasCallsAtMost("*/call_parser.py:tokenize", oracleCalls(run, "tokenize"));
    }

    @Test
    void hasCallsAtMost_should_be_inconclusive_for_functions_the_trace_did_not_count() {
        OracleRun run = callParser();
        assertThatThrownBy(() -> assertThat(run.recording()).window("work").calls().hasCallsAtMost("*/other.py:*", 0))
                .isInstanceOf(InconclusiveBudgetError.class)
                .hasMessage("Expected at most 0 calls of '*/other.py:*' in window 'work', but the trace counted only calls"
                        + " matching '*/call_parser.py:*', which does not cover '*/other.py:*': give the workload a call"
                        + " pattern that does.");
    }

    @Test
    void hasCallsAtMost_should_fail_with_the_oracle_counts_per_function() {
        OracleRun run = callParser();
        long parse = oracleCalls(run, "parse_?*");
        List<Map.Entry<String, Long>> functions = oracleFunctions(run, "parse_?*");
        StringBuilder lines = new StringBuilder();
        int width = Long.toString(functions.get(0).getValue()).length();
        for (Map.Entry<String, Long> f : functions) {
            lines.append("\n  ").append(" ".repeat(width - Long.toString(f.getValue()).length())).append(f.getValue())
                    .append("  ").append(PARSER_FILE).append(':').append(f.getKey());
        }
        assertThatThrownBy(() -> assertThat(run.recording()).window("work").calls()
                .hasCallsAtMost("*/call_parser.py:parse_*", parse - 1))
                .isExactlyInstanceOf(AssertionError.class)
                .hasMessage("Expected at most " + (parse - 1) + " calls of '*/call_parser.py:parse_*' in window 'work', but there were "
                        + parse + ":" + lines);
    }

    @Test
    void busiest_should_agree_with_the_oracle() {
        OracleRun run = callParser();
        List<Map.Entry<String, Long>> top = oracleFunctions(run, "*").subList(0, 3);
        assertThat(run.recording()).window("work").calls().busiest(3).containsExactly(
                top.stream().map(f -> new CallCount(PARSER_FILE, f.getKey(), f.getValue())).toArray(CallCount[]::new));
    }

    @Test
    void call_budgets_should_be_inconclusive_when_the_call_map_is_too_small() {
        Recording r = LocalRuns.shared(TraceOptions.defaults().withCallPattern("*/call_parser.py:*").withCallsMapEntries(1),
                "call_parser.py").recording();
        assertThat(r.losses().calls()).as("calls that found no room in a map of one entry").isPositive();
        assertThatThrownBy(() -> assertThat(r).window("work").calls().hasCallsAtMost("*:*", 1_000_000))
                .isExactlyInstanceOf(InconclusiveBudgetError.class)
                .hasMessage("Expected at most 1000000 calls of '*:*' in window 'work', but " + r.losses().calls()
                        + " calls found no room in the kernel's call map, so the counts may be short.");
    }

    /** The oracle's calls in "work" of call_parser.py functions whose name matches, summed. */
    private static long oracleCalls(OracleRun run, String functionGlob) {
        return oracleFunctions(run, functionGlob).stream().mapToLong(Map.Entry::getValue).sum();
    }

    /** The oracle's call_parser.py functions in "work" matching the glob, busiest first (ties by name). */
    private static List<Map.Entry<String, Long>> oracleFunctions(OracleRun run, String functionGlob) {
        List<Map.Entry<String, Long>> out = new ArrayList<>();
        run.oracle().window("work").path("calls").properties().forEach(e -> {
            String function = e.getKey().substring(e.getKey().lastIndexOf(':') + 1);
            if (e.getKey().startsWith(PARSER_FILE + ":") && Globs.matches(functionGlob, function)) {
                out.add(Map.entry(function, e.getValue().asLong()));
            }
        });
        out.sort(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()));
        return out;
    }

    // ---- audit_io.py: file, socket and subprocess events in the window "io" ----------------------

    @Test
    void hasNoEvent_should_pass_for_events_that_did_not_happen() {
        assertThat(auditIo().oracle().root().path("audit").has("ftplib.connect")).isFalse();
        assertThat(auditIo().recording()).window("io").audit().hasNoEvent("ftplib.*").hasNoEvent("os.system")
                .hasNoEvent("urllib.Request");
    }

    @Test
    void hasNoEvent_should_fail_with_the_oracle_counts_and_the_first_occurrence() {
        Recording r = auditIo().recording();
        JsonNode io = auditIo().oracle().window("io").path("audit");
        assertThat(r.lostEvents()).isZero();
        String connect = times(messageOf(() -> assertThat(r).window("io").audit().hasNoEvent("socket.connect")));
        assertThat(connect.replaceAll("thread \\d+", "thread <tid>")).isEqualTo(
                "Expected no audit event 'socket.connect' in window 'io', but there was " + io.path("socket.connect").asLong()
                        + ":\n  1  socket.connect (first at <t>, thread <tid>)");
        String sockets = times(messageOf(() -> assertThat(r).window("io").audit().hasNoEvent("socket.*")));
        long total = io.path("socket.__new__").asLong() + io.path("socket.bind").asLong() + io.path("socket.connect").asLong();
        assertThat(sockets.replaceAll("thread \\d+", "thread <tid>")).isEqualTo(
                "Expected no audit event 'socket.*' in window 'io', but there were " + total + ":\n"
                        + "  " + io.path("socket.__new__").asLong() + "  socket.__new__ (first at <t>, thread <tid>)\n"
                        + "  " + io.path("socket.bind").asLong() + "  socket.bind (first at <t>, thread <tid>)\n"
                        + "  " + io.path("socket.connect").asLong() + "  socket.connect (first at <t>, thread <tid>)");
        assertThatThrownBy(() -> assertThat(r).window("io").audit().hasNoEvent("subprocess.Popen"))
                .hasMessageStartingWith("Expected no audit event 'subprocess.Popen' in window 'io', but there was 1:\n"
                        + "  1  subprocess.Popen (first at ");
    }

    // ---- soft assertions on a real recording ----------------------------------------------------

    @Test
    void soft_assertions_should_collect_every_broken_budget_of_a_real_recording() {
        Recording r = lazyImport().recording();
        PyBudgetSoftAssertions softly = new PyBudgetSoftAssertions();
        softly.assertThat(r).window("first").imports().containsNone("decimal");
        softly.assertThat(r).window("second").imports().isEmpty();
        softly.assertThat(r).window("first").audit().hasNoEvent("os.listdir");
        softly.assertThat(r).window("third").gc().hasNoCollections(2);
        assertThat(softly.errorsCollected()).hasSize(3);
        assertThat(softly.errorsCollected().get(0)).hasMessageStartingWith(
                "Expected no import of 'decimal' in window 'first', but ");
        assertThat(softly.errorsCollected().get(1)).hasMessageStartingWith(
                "Expected no audit event 'os.listdir' in window 'first', but there were ");
        assertThat(softly.errorsCollected().get(2)).hasMessageStartingWith(
                "Expected no gen-2 collections in window 'third', but the recording has no window 'third';"
                        + " its windows are 'first', 'second'.");
    }
}

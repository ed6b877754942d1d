package dev.pybudget.container;

import static dev.pybudget.support.CountComparisons.assertSameGc;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pybudget.engine.CallCounting;
import dev.pybudget.recording.ImportNode;
import dev.pybudget.recording.Sections;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import dev.pybudget.support.RecordedCounts;
import dev.pybudget.support.OracleRun;
import dev.pybudget.support.Oracle;
import dev.pybudget.support.ContainerRuns;
import dev.pybudget.support.PythonFixtures;

/**
 * Each probe family, counted by the agent inside a least-privilege container, against CPython's
 * own hooks in the same process (python-fixtures/support/oracle.py), on every built-in image (3.11, 3.13, 3.14, 3.15).
 */
class ContainerOracleTest {

    static java.util.stream.Stream<PythonImage> images() {
        return java.util.stream.Stream.of(PythonImage.CPYTHON_3_11, PythonImage.CPYTHON_3_13, PythonImage.CPYTHON_3_14,
                PythonImage.CPYTHON_3_15);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("images")
    void should_count_collections_per_generation_as_gc_callbacks_and_gc_get_stats_do(PythonImage image) {
        OracleRun run = ContainerRuns.runToExit(ContainerRuns.withOracle(image, PythonFixtures.WORKLOADS, "python3", "gc_churn.py"));

        // gc_churn ends with os._exit: no finalising collection that gc.get_stats() would not see.
        assertSameGc("whole run", run.recording().gc(), run.oracle().gcStats());
        assertSameGc("window 'work'", run.window("work").gc(), run.oracle().window("work").path("gc"));
        assertThat(run.window("work").gc().collections()).as("the window reaches every generation")
                .allSatisfy(n -> assertThat(n).isPositive());
        assertThat(run.window("work").gc().totalCollections()).as("start-up and a collection are outside the window")
                .isLessThan(run.recording().gc().totalCollections());
        assertThat(run.recording().python().version()).isEqualTo(run.oracle().python());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("images")
    void should_count_each_audit_event_in_a_window_as_an_audit_hook_does(PythonImage image) {
        OracleRun run = ContainerRuns.runToExit(ContainerRuns.withOracle(image, PythonFixtures.WORKLOADS, "python3", "audit_io.py", "2"));

        Map<String, Long> oracle = Oracle.counts(run.oracle().window("io"), "audit");
        Sections io = run.window("io");
        assertThat(RecordedCounts.audit(io)).as("audit events in window 'io', kernel vs oracle").isEqualTo(oracle);
        assertThat(oracle).as("the window holds the fixture's file, socket and subprocess events")
                .containsEntry("socket.connect", 2L).containsEntry("subprocess.Popen", 2L)
                .containsEntry("tempfile.mkstemp", 2L).containsEntry("pybudget.begin", 1L);
        // The echo server's accept runs on its own thread: a Python window holds only the thread that opened it.
        assertThat(io.auditCount("socket.__new__")).isLessThan(run.recording().whole().auditCount("socket.__new__"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("images")
    void should_record_in_a_window_the_modules_the_import_audit_event_names(PythonImage image) {
        OracleRun run = ContainerRuns.runToExit(ContainerRuns.withOracle(image, PythonFixtures.workload("lazy_import"), "python3", "app.py"));

        Set<String> oracleFirst = Oracle.imports(run.oracle().window("first"));
        Sections first = run.window("first");
        // The audit event fires twice for extension modules, the probe once: compare sets.
        assertThat(RecordedCounts.importSet(first)).as("modules imported in window 'first', kernel vs oracle")
                .isEqualTo(oracleFirst);
        assertThat(oracleFirst).contains("report", "decimal", "json", "csv", "statistics", "xml.dom.minidom");
        assertThat(first.importCount()).as("the exact count vs the tree").isEqualTo(first.allImports().size());
        assertThat(first.imports()).extracting(ImportNode::module).startsWith("report");
        assertThat(first.imports()).allSatisfy(i -> assertThat(i.durationNanos()).isPositive());

        assertThat(Oracle.imports(run.oracle().window("second"))).isEmpty();
        assertThat(run.window("second").importCount()).isZero();
        assertThat(run.window("second").imports()).isEmpty();
    }

    /**
     * 3.11 and 3.15 have function__return, which fires as often as the profiler's "return" (generator resumes
     * too), while the oracle's profiler is on; calls are also counted in process there: both ways, one oracle.
     */
    static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> imagesWithCallProbes() {
        return java.util.stream.Stream.of(PythonImage.CPYTHON_3_11, PythonImage.CPYTHON_3_15).flatMap(image ->
                java.util.stream.Stream.of(CallCounting.USDT, CallCounting.MONITORING)
                        .map(how -> org.junit.jupiter.params.provider.Arguments.of(image, how)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("imagesWithCallProbes")
    void should_count_calls_per_function_as_the_profiler_sees_them_return(PythonImage image, CallCounting how) {
        OracleRun run = ContainerRuns.runToExit(ContainerRuns.withOracle(image, PythonFixtures.WORKLOADS,
                "python3", "call_parser.py").withCallPattern("*/call_parser.py:*").withCallCounting(how));

        assertThat(run.recording().probes()).contains(how == CallCounting.USDT ? "calls:usdt" : "calls:monitoring");
        Map<String, Long> oracle = Oracle.counts(run.oracle().root(), "rawCalls");
        assertThat(RecordedCounts.calls(run.recording().whole())).as("calls over the whole run, %s vs oracle", how)
                .isEqualTo(oracle);
        assertThat(RecordedCounts.calls(run.window("work"))).as("calls in window 'work', %s vs oracle", how)
                .isEqualTo(Oracle.counts(run.oracle().window("work"), "rawCalls"));
        assertThat(oracle).containsEntry("/workload/call_parser.py:tokenize", 2496L)
                .containsEntry("/workload/call_parser.py:parse_factor", 1184L);
        assertThat(run.recording().missingProbes()).isEmpty();
        assertThat(run.recording().missingProbesReason()).isEmpty();
    }

    static java.util.stream.Stream<PythonImage> imagesWithoutCallProbes() {
        return java.util.stream.Stream.of(PythonImage.CPYTHON_3_13, PythonImage.CPYTHON_3_14);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("imagesWithoutCallProbes")
    void should_count_calls_on_3_13_and_3_14_in_process_as_the_profiler_sees_them_return_and_the_rest_in_the_kernel(
            PythonImage image) {
        OracleRun run = ContainerRuns.runToExit(ContainerRuns.withOracle(image, PythonFixtures.WORKLOADS,
                "python3", "call_parser.py").withCallPattern("*/call_parser.py:*"));

        // 3.12 to 3.14 have no call probe: sys.monitoring counts the calls inside the workload instead.
        assertThat(run.recording().missingProbes()).isEmpty();
        assertThat(run.recording().probes()).contains("calls:monitoring", "gc__start", "audit", "import__find__load__start")
                .doesNotContain("function__return");
        Map<String, Long> oracle = Oracle.counts(run.oracle().root(), "rawCalls");
        assertThat(RecordedCounts.calls(run.recording().whole())).as("calls over the whole run, in process vs oracle")
                .isEqualTo(oracle);
        assertThat(RecordedCounts.calls(run.window("work"))).as("calls in window 'work', in process vs oracle")
                .isEqualTo(Oracle.counts(run.oracle().window("work"), "rawCalls"));
        assertThat(oracle).containsKey("/workload/call_parser.py:tokenize");
        // Everything else is still counted in the kernel.
        assertSameGc("whole run", run.recording().gc(), run.oracle().gcStats());
        assertThat(RecordedCounts.audit(run.window("work"))).isEqualTo(Oracle.counts(run.oracle().window("work"), "audit"));
    }
}

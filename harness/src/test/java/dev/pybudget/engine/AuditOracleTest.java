package dev.pybudget.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pybudget.recording.AuditEvent;
import dev.pybudget.recording.Losses;
import dev.pybudget.recording.Sections;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import dev.pybudget.support.RecordedCounts;
import dev.pybudget.support.OracleRun;
import dev.pybudget.support.Oracle;
import dev.pybudget.support.LocalRuns;

/** The audit probe against sys.addaudithook in the same process, on files, sockets and a subprocess. */
class AuditOracleTest {

    /**
     * Events audit_io.py causes itself, between oracle.install() and oracle.finish(): start-up (before the
     * hook exists) and finish() (after it stopped: sys.setprofile(None), the JSON's open and os.rename)
     * cause none of them, so the whole run counts them exactly as the hook does.
     */
    static final List<String> CAUSED_BY_THE_FIXTURE = List.of("socket.__new__", "socket.bind", "socket.connect",
            "subprocess.Popen", "tempfile.mkstemp", "tempfile.mkdtemp", "os.remove", "os.rmdir", "pybudget.begin",
            "pybudget.end");

    @TempDir
    Path tmp;

    @Test
    void should_count_each_audit_event_inside_a_window_exactly_as_an_audit_hook_does() throws Exception {
        OracleRun run = LocalRuns.traceWithOracle(tmp, LocalRuns.options().withStreamAudit(true), "audit_io.py", "2");

        Map<String, Long> oracle = Oracle.counts(run.oracle().window("io"), "audit");
        Sections io = run.window("io");
        assertThat(RecordedCounts.audit(io)).as("audit events in window 'io', kernel vs oracle").isEqualTo(oracle);
        assertThat(oracle).as("the window holds the fixture's file, socket and subprocess events")
                .containsEntry("socket.connect", 2L).containsEntry("subprocess.Popen", 2L)
                .containsEntry("tempfile.mkstemp", 2L).containsEntry("pybudget.begin", 1L);
        // The echo server's accept runs on its own thread: a Python window holds only the thread that opened it.
        assertThat(io.auditCount("socket.__new__")).isLessThan(run.recording().whole().auditCount("socket.__new__"));

        // The stream carries each counted event once, at a time inside the run, when nothing was lost.
        assertThat(run.recording().lostEvents()).isZero();
        assertThat(streamed(io.auditEvents())).as("streamed audit events of window 'io'").isEqualTo(RecordedCounts.audit(io));
        assertThat(streamed(run.recording().whole().auditEvents())).as("streamed audit events of the whole run")
                .isEqualTo(RecordedCounts.audit(run.recording().whole()));
        assertThat(io.auditEvents()).allSatisfy(e -> assertThat(e.nanos()).isBetween(0L, run.recording().wallNanos()));
    }

    @Test
    void should_count_over_the_whole_run_every_audit_event_the_fixture_causes_as_an_audit_hook_does() throws Exception {
        OracleRun run = LocalRuns.traceWithOracle(tmp, LocalRuns.options(), "audit_io.py");

        Map<String, Long> kernel = RecordedCounts.audit(run.recording().whole());
        Map<String, Long> oracle = Oracle.counts(run.oracle().whole(), "audit");
        for (String event : CAUSED_BY_THE_FIXTURE) {
            assertThat(kernel.getOrDefault(event, 0L)).as("whole-run count of %s, kernel vs oracle", event)
                    .isEqualTo(oracle.getOrDefault(event, 0L));
        }
        assertThat(oracle.keySet()).containsAll(CAUSED_BY_THE_FIXTURE);
        // Everything the hook saw, the probe saw too (plus start-up, before the hook was installed).
        oracle.forEach((event, n) -> assertThat(kernel.getOrDefault(event, 0L)).as("whole-run count of %s", event)
                .isGreaterThanOrEqualTo(n));
        assertThat(kernel).as("start-up runs the script: seen before any hook").containsEntry("cpython.run_file", 1L);
        assertThat(run.recording().losses()).isEqualTo(Losses.NONE);
    }

    private static Map<String, Long> streamed(List<AuditEvent> events) {
        Map<String, Long> counts = new TreeMap<>();
        events.forEach(e -> counts.merge(e.event(), 1L, Long::sum));
        return counts;
    }
}

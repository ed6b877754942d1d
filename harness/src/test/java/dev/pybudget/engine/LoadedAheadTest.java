package dev.pybudget.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pybudget.recording.Losses;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import dev.pybudget.support.RecordedCounts;
import dev.pybudget.support.OracleRun;
import dev.pybudget.support.Oracle;
import dev.pybudget.support.LocalRuns;
import dev.pybudget.support.CountComparisons;
import dev.pybudget.support.Attachments;

/** The BPF objects a trace loads ahead for the next one: held unattached, taken once, fresh each time. */
class LoadedAheadTest {

    @TempDir
    Path tmp;

    @Test
    void should_hold_the_next_traces_programs_and_maps_unattached_and_free_them_on_await_detached() throws Exception {
        List<String> before = Attachments.traceFds();

        LocalRuns.traceWithOracle(tmp, LocalRuns.options(), "gc_churn.py", "50");
        BackgroundWork.await();

        List<String> held = Attachments.heldFds();
        assertThat(held).as("programs and maps loaded for a next trace").anyMatch(fd -> fd.endsWith("anon_inode:bpf-prog"))
                .anyMatch(fd -> fd.endsWith("anon_inode:bpf-map"));
        assertThat(held).as("attached to nothing: no uprobe and no link").noneMatch(fd -> fd.endsWith("[perf_event]"))
                .noneMatch(fd -> fd.endsWith("anon_inode:bpf_link"));
        assertThat(Attachments.traceFds()).as("after awaitDetached()").isEqualTo(before);
    }

    @Test
    void should_count_each_trace_from_zero_when_it_takes_programs_loaded_ahead() throws Exception {
        OracleRun first = LocalRuns.traceWithOracle(tmp, LocalRuns.options().withCallPattern("*/call_parser.py:*"),
                "call_parser.py", "40");
        BackgroundWork.await(); // the second trace takes the set loaded when the first ended
        OracleRun second = LocalRuns.traceWithOracle(tmp, LocalRuns.options().withCallPattern("*/call_parser.py:*"),
                "call_parser.py", "80");

        for (OracleRun run : List.of(first, second)) {
            assertThat(RecordedCounts.calls(run.recording().whole())).isEqualTo(Oracle.counts(run.oracle().whole(), "rawCalls"));
            CountComparisons.assertSameGc("window 'work'", run.window("work").gc(), run.oracle().window("work").path("gc"));
            assertThat(RecordedCounts.audit(run.window("work"))).isEqualTo(Oracle.counts(run.oracle().window("work"), "audit"));
            assertThat(run.recording().losses()).isEqualTo(Losses.NONE);
        }
        assertThat(RecordedCounts.calls(second.recording().whole())).as("the second run's counts are its own")
                .isNotEqualTo(RecordedCounts.calls(first.recording().whole()));
    }
}

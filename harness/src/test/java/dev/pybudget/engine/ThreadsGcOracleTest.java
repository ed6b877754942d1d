package dev.pybudget.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pybudget.recording.Losses;
import dev.pybudget.recording.Window;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import dev.pybudget.support.OracleRun;
import dev.pybudget.support.LocalRuns;
import dev.pybudget.support.CountComparisons;

/** A collection counts in the windows of the thread that ran it: threads_gc.py, four churning threads. */
class ThreadsGcOracleTest {

    private static final TraceOptions OPTIONS = LocalRuns.options().withCallPattern("*/threads_gc.py:*");
    private static final List<String> WINDOWS = List.of("churn", "thread-0", "thread-1", "thread-2", "thread-3");

    @TempDir
    Path tmp;

    @Test
    void should_put_each_collection_in_the_windows_of_the_thread_that_ran_it_when_threads_take_turns() throws Exception {
        OracleRun run = LocalRuns.traceWithOracle(tmp, OPTIONS, "threads_gc.py", "300");

        assertSameWindows(run);
        // Taking turns, each thread starts from reset counters: the four windows count alike.
        for (String name : WINDOWS.subList(2, WINDOWS.size())) {
            assertThat(run.window(name).gc().collections()).as(name).isEqualTo(run.window("thread-0").gc().collections());
        }
    }

    @Test
    void should_put_each_collection_in_the_windows_of_the_thread_that_ran_it_when_threads_churn_at_once() throws Exception {
        OracleRun run = LocalRuns.traceWithOracle(tmp, OPTIONS, "threads_gc.py", "300", "--concurrent");

        assertSameWindows(run);
    }

    private static void assertSameWindows(OracleRun run) {
        assertThat(run.recording().windows()).extracting(Window::name).containsExactlyInAnyOrderElementsOf(WINDOWS);
        for (String name : WINDOWS) {
            WindowsOracleTest.assertSameSections("window '" + name + "'", run.window(name), run.oracle().window(name));
        }
        long perThread = WINDOWS.subList(1, WINDOWS.size()).stream()
                .mapToLong(name -> run.window(name).gc().totalCollections()).sum();
        // A collection can also start between a thread's two opening (or closing) marks, where the thread is in
        // 'churn' but not in 'thread-N' (the oracle's own bookkeeping allocates there); when threads churn at once
        // another thread's allocation can trigger it. The oracle sees the same gap: compare it, not a sum of 0.
        long oraclePerThread = WINDOWS.subList(1, WINDOWS.size()).stream()
                .mapToLong(name -> gcTotal(run.oracle().window(name))).sum();
        long oracleGap = gcTotal(run.oracle().window("churn")) - oraclePerThread;
        assertThat(perThread).as("the thread windows add up to 'churn', but for the collections that started between"
                + " a thread's two marks (the oracle saw %d)", oracleGap).isPositive()
                .isEqualTo(run.window("churn").gc().totalCollections() - oracleGap);
        CountComparisons.assertSameGc("whole run", run.recording().gc(), run.oracle().gcStats());
        assertThat(run.recording().losses()).isEqualTo(Losses.NONE);
    }

    private static long gcTotal(JsonNode window) {
        long total = 0;
        for (JsonNode n : window.path("gc").path("collections")) {
            total += n.asLong();
        }
        return total;
    }
}

package dev.pybudget.engine;

import static dev.pybudget.support.CountComparisons.assertSameGc;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pybudget.recording.Losses;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import dev.pybudget.support.OracleRun;
import dev.pybudget.support.LocalRuns;

/** gc__start / gc__done against gc.callbacks and gc.get_stats() in the same process. */
class GcOracleTest {

    @TempDir
    Path tmp;

    @Test
    void should_count_every_collection_per_generation_as_gc_get_stats_does_since_the_interpreter_started() throws Exception {
        OracleRun run = LocalRuns.traceWithOracle(tmp, LocalRuns.options(), "gc_churn.py");

        // gc_churn ends with os._exit: no finalising collection that gc.get_stats() would not see.
        assertSameGc("whole run", run.recording().gc(), run.oracle().gcStats());
        assertThat(run.recording().gc().collections()).as("the fixture reaches every generation")
                .allSatisfy(n -> assertThat(n).isPositive());
        assertThat(run.recording().losses()).isEqualTo(Losses.NONE);
    }

    @Test
    void should_count_inside_a_window_the_collections_gc_callbacks_saw_inside_it() throws Exception {
        OracleRun run = LocalRuns.traceWithOracle(tmp, LocalRuns.options(), "gc_churn.py", "250");

        assertSameGc("window 'work'", run.window("work").gc(), run.oracle().window("work").path("gc"));
        // Start-up and the gc.collect() before the window are outside it.
        assertThat(run.window("work").gc().totalCollections()).isPositive()
                .isLessThan(run.recording().gc().totalCollections());
    }
}

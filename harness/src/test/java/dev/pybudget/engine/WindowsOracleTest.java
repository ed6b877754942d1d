package dev.pybudget.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pybudget.engine.Workloads.Oracle;
import dev.pybudget.engine.Workloads.OracleRun;
import dev.pybudget.recording.Losses;
import dev.pybudget.recording.Sections;
import dev.pybudget.recording.Window;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Windows marked with sys.audit("pybudget.begin"/"pybudget.end", name): nested, repeated, on a worker
 * thread, the same name nested in itself, and an end without a begin, each against the oracle's window.
 */
class WindowsOracleTest {

    @TempDir
    Path tmp;

    @Test
    void should_count_in_each_nested_repeated_and_per_thread_window_what_the_oracle_counts_there() throws Exception {
        OracleRun run = Workloads.traceWithOracle(tmp, Workloads.options().withCallPattern("*/windows.py:*"),
                "windows.py");

        assertThat(run.recording().windows()).extracting(Window::name).as("windows, kernel vs oracle")
                .containsExactlyInAnyOrderElementsOf(run.oracle().windowNames())
                .contains("batch", "item", "worker", "phase").doesNotContain("ghost");
        for (String name : run.oracle().windowNames()) {
            assertSameSections("window '" + name + "'", run.window(name), run.oracle().window(name));
        }
        // The worker ran while main was inside "batch": its collection and import are its own window's only.
        assertThat(run.window("worker").gc().collections(1)).isEqualTo(1);
        assertThat(run.window("batch").gc().collections(1)).isZero();
        assertThat(Workloads.importSet(run.window("worker"))).contains("difflib");
        assertThat(Workloads.importSet(run.window("batch"))).doesNotContain("difflib")
                .contains("colorsys", "textwrap", "shlex");

        assertThat(Workloads.calls(run.recording().whole())).as("calls over the whole run")
                .isEqualTo(Oracle.counts(run.oracle().whole(), "rawCalls"));
        Workloads.assertSameGc("whole run", run.recording().gc(), run.oracle().gcStats());
        // "ghost" ends without a begin: counted as unbalanced, nothing else is lost.
        assertThat(run.recording().losses()).isEqualTo(new Losses(0, 0, 0, 0, 0, 0, 1, 0, 0));
    }

    static void assertSameSections(String what, Sections kernel, JsonNode oracle) {
        Workloads.assertSameGc(what, kernel.gc(), oracle.path("gc"));
        assertThat(Workloads.audit(kernel)).as("%s: audit events", what).isEqualTo(Oracle.counts(oracle, "audit"));
        assertThat(Workloads.calls(kernel)).as("%s: calls", what).isEqualTo(Oracle.counts(oracle, "rawCalls"));
        assertThat(Workloads.importSet(kernel)).as("%s: imports", what).isEqualTo(Oracle.imports(oracle));
    }
}

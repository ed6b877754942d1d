package dev.pybudget.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pybudget.recording.Losses;
import dev.pybudget.recording.Sections;
import dev.pybudget.recording.Window;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import dev.pybudget.support.RecordedCounts;
import dev.pybudget.support.Pythons;
import dev.pybudget.support.PythonFixtures;
import dev.pybudget.support.OracleRun;
import dev.pybudget.support.Oracle;
import dev.pybudget.support.LocalRuns;
import dev.pybudget.support.CountComparisons;

/**
 * Windows marked with sys.audit("pybudget.begin"/"pybudget.end", name): nested, repeated, on a worker
 * thread, the same name nested in itself, and an end without a begin, each against the oracle's window.
 */
class WindowsOracleTest {

    @TempDir
    Path tmp;

    @Test
    void should_count_in_each_nested_repeated_and_per_thread_window_what_the_oracle_counts_there() throws Exception {
        OracleRun run = LocalRuns.traceWithOracle(tmp, LocalRuns.options().withCallPattern("*/windows.py:*"),
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
        assertThat(RecordedCounts.importSet(run.window("worker"))).contains("difflib");
        assertThat(RecordedCounts.importSet(run.window("batch"))).doesNotContain("difflib")
                .contains("colorsys", "textwrap", "shlex");

        assertThat(RecordedCounts.calls(run.recording().whole())).as("calls over the whole run")
                .isEqualTo(Oracle.counts(run.oracle().whole(), "rawCalls"));
        CountComparisons.assertSameGc("whole run", run.recording().gc(), run.oracle().gcStats());
        // "ghost" ends without a begin: counted as unbalanced, nothing else is lost.
        assertThat(run.recording().losses()).isEqualTo(new Losses(0, 0, 0, 0, 0, 0, 1, 0, 0));
    }

    /**
     * Marks as code with error paths writes them: an end whose window was never opened (counted where it
     * happens, closes nothing), windows that close out of order, and names that are not ASCII.
     */
    static final String STRAY_MARKS = """
            import sys
            sys.path.insert(0, sys.argv[1])
            import oracle; oracle.install()
            import gc
            gc.disable()

            sys.audit("pybudget.begin", "outer")
            sys.audit("pybudget.end", "stray")      # never opened: counted in "outer", closes nothing
            gc.collect(0)                           # still inside "outer"
            sys.audit("pybudget.begin", "inner")
            sys.audit("pybudget.end", "outer")      # out of order: closes "outer", "inner" stays open
            gc.collect(1)                           # in "inner" only
            sys.audit("pybudget.end", "inner")

            sys.audit("pybudget.begin", "caf\\u00e9")                 # latin-1
            gc.collect(0)
            sys.audit("pybudget.begin", "na\\u00efve \\u2603")         # UCS-2
            gc.collect(2)
            sys.audit("pybudget.begin", "\\U0001f40d " + "x" * 70)     # UCS-4, longer than a name can be
            gc.collect(1)
            sys.audit("pybudget.end", "\\U0001f40d " + "x" * 70)
            sys.audit("pybudget.end", "na\\u00efve \\u2603")
            sys.audit("pybudget.end", "caf\\u00e9")
            oracle.finish()
            """;

    @Test
    void should_follow_the_window_rules_for_stray_and_out_of_order_marks_and_non_ascii_names() throws Exception {
        java.nio.file.Files.writeString(tmp.resolve("marks.py"), STRAY_MARKS);
        ProcessBuilder workload = new ProcessBuilder(Pythons.debian().toString(), "marks.py", PythonFixtures.SUPPORT.toString())
                .directory(tmp.toFile()).redirectError(tmp.resolve("marks.err").toFile());
        Path oracleFile = tmp.resolve("marks.json");
        workload.environment().put("PYBUDGET_ORACLE", oracleFile.toString());
        dev.pybudget.recording.Recording recording;
        try (Trace trace = Tracer.start(workload, LocalRuns.options())) {
            recording = trace.finish();
        }
        assertThat(recording.exitStatus()).contains(0);
        Oracle oracle = new Oracle(new com.fasterxml.jackson.databind.ObjectMapper().readTree(oracleFile.toFile()));

        // A name is cut, at a character boundary, to what the kernel keeps (63 bytes of UTF-8), and says so.
        String longName = "\uD83D\uDC0D " + "x".repeat(70);
        String cut = "\uD83D\uDC0D " + "x".repeat(63 - 5) + "\u2026";
        assertThat(oracle.windowNames()).contains("outer", "inner", "caf\u00e9", "na\u00efve \u2603", longName);
        assertThat(recording.windows()).extracting(Window::name)
                .containsExactlyInAnyOrder("outer", "inner", "caf\u00e9", "na\u00efve \u2603", cut);
        for (String name : oracle.windowNames()) {
            String kernelName = name.equals(longName) ? cut : name;
            Sections window = recording.window(kernelName).orElseThrow().sections();
            CountComparisons.assertSameGc("window '" + name + "'", window.gc(), oracle.window(name).path("gc"));
            assertThat(RecordedCounts.audit(window)).as("window '%s': audit", name)
                    .isEqualTo(Oracle.counts(oracle.window(name), "audit"));
        }
        assertThat(recording.window("outer").orElseThrow().sections().gc().collections()).containsExactly(1L, 0L, 0L);
        assertThat(recording.losses()).as("only the stray end is unbalanced").isEqualTo(new Losses(0, 0, 0, 0, 0, 0, 1, 0, 0));
    }

    static void assertSameSections(String what, Sections kernel, JsonNode oracle) {
        CountComparisons.assertSameGc(what, kernel.gc(), oracle.path("gc"));
        assertThat(RecordedCounts.audit(kernel)).as("%s: audit events", what).isEqualTo(Oracle.counts(oracle, "audit"));
        assertThat(RecordedCounts.calls(kernel)).as("%s: calls", what).isEqualTo(Oracle.counts(oracle, "rawCalls"));
        assertThat(RecordedCounts.importSet(kernel)).as("%s: imports", what).isEqualTo(Oracle.imports(oracle));
    }
}

package dev.pybudget.assertions;

import static dev.pybudget.assertions.PyBudgetAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pybudget.engine.TraceOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import dev.pybudget.support.OracleRun;
import dev.pybudget.support.LocalRuns;

/** A baseline of gc_churn.py's window "work" catches a workload that collects more, and takes it after an update. */
class BaselineFixtureTest {

    @TempDir
    Path dir;

    @Test
    void a_baseline_should_fail_when_gc_churn_collects_more_and_pass_after_update() throws Exception {
        Baseline baseline = Baseline.at(dir.resolve("gc_churn-work.json"));
        OracleRun usual = LocalRuns.fresh(TraceOptions.defaults(), "gc_churn.py", "400");
        OracleRun again = LocalRuns.fresh(TraceOptions.defaults(), "gc_churn.py", "400");
        OracleRun more = LocalRuns.fresh(TraceOptions.defaults(), "gc_churn.py", "800");
        String before = System.getProperty(BaselineMode.PROPERTY);
        String beforeOnCi = System.getProperty(BaselineMode.UPDATE_ON_CI_PROPERTY);
        // Update mode is what this test is about; on CI it must be allowed explicitly (as a team would).
        System.setProperty(BaselineMode.UPDATE_ON_CI_PROPERTY, "true");
        try {
            System.setProperty(BaselineMode.PROPERTY, "update");
            assertThat(usual.recording()).window("work").matchesBaseline(baseline);
            assertThat(Files.readString(baseline.file())).contains("\"gc.collections.gen2\" : "
                    + usual.oracle().window("work").path("gc").path("collections").get(2).asLong() + ",\n");

            System.clearProperty(BaselineMode.PROPERTY);
            // The same workload counts the same: the baseline holds from run to run.
            assertThat(again.recording()).window("work").matchesBaseline(baseline);

            assertThatThrownBy(() -> assertThat(more.recording()).window("work").matchesBaseline(baseline))
                    .isExactlyInstanceOf(AssertionError.class)
                    .hasMessage("Expected no regression against baseline " + baseline.file() + " in window 'work', but "
                            + regressions(usual.oracle().window("work"), more.oracle().window("work")));

            System.setProperty(BaselineMode.PROPERTY, "update");
            assertThat(more.recording()).window("work").matchesBaseline(baseline);
            System.clearProperty(BaselineMode.PROPERTY);
            assertThat(more.recording()).window("work").matchesBaseline(baseline);
            // Fewer collections than the new baseline is an improvement, not a failure.
            assertThat(usual.recording()).window("work").matchesBaseline(baseline.withMode(BaselineMode.CHECK));
        } finally {
            if (before == null) {
                System.clearProperty(BaselineMode.PROPERTY);
            } else {
                System.setProperty(BaselineMode.PROPERTY, before);
            }
            if (beforeOnCi == null) {
                System.clearProperty(BaselineMode.UPDATE_ON_CI_PROPERTY);
            } else {
                System.setProperty(BaselineMode.UPDATE_ON_CI_PROPERTY, beforeOnCi);
            }
        }
    }

    /** The regression lines the oracle's counts of the two runs call for, in the baseline's key order. */
    private static String regressions(JsonNode old, JsonNode now) {
        List<String> lines = new ArrayList<>();
        line(lines, "objects collected", old.path("gc").path("collected").asLong(), now.path("gc").path("collected").asLong());
        for (int g = 0; g < 3; g++) {
            line(lines, "gen-" + g + " collections", old.path("gc").path("collections").get(g).asLong(),
                    now.path("gc").path("collections").get(g).asLong());
        }
        assertThat(lines).as("800 rounds collect more than 400").isNotEmpty();
        return (lines.size() == 1 ? "1 metric" : lines.size() + " metrics") + " regressed:\n" + String.join("\n", lines)
                + "\nIf the change is intended, record the baseline again with -Dpybudget.baselines=update and commit it.";
    }

    private static void line(List<String> lines, String name, long old, long now) {
        if (now > old) {
            long percent = Math.round((now - old) * 100.0 / old);
            lines.add("  " + name + " " + old + " -> " + now + " (+" + percent + "%, tolerance 0)");
        }
    }
}

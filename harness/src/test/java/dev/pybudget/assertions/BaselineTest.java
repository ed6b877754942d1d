package dev.pybudget.assertions;

import dev.pybudget.assertions.baseline.BaselineMetrics;
import static dev.pybudget.assertions.PyBudgetAssertions.assertThat;
import static dev.pybudget.assertions.TestRecordings.imp;
import static dev.pybudget.assertions.TestRecordings.losses;
import static dev.pybudget.assertions.TestRecordings.recording;
import static dev.pybudget.assertions.TestRecordings.sections;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pybudget.recording.Losses;
import dev.pybudget.recording.Recording;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BaselineTest {

    @TempDir
    Path dir;

    private static TestRecordings.SectionsBuilder work(long gen2) {
        return sections().gc(27, 2, gen2).collected(457).pauses(150_000, 200_000, 23_454_000)
                .imports(imp("decimal", 10, 38.0, imp("numbers", 11, 1.1)), imp("json", 50, 3.2))
                .call("/repo/src/app.py", "parse", 12).call("/usr/lib/python3.11/json/decoder.py", "decode", 2)
                .audit("pybudget.begin", 1).audit("pybudget.end", 1);
    }

    private static Recording run(long gen2) {
        return recording().window("work", work(gen2)).build();
    }

    private Baseline baseline(BaselineMode mode) {
        return Baseline.at(dir.resolve("baselines/work.json")).withSourceRoot(Path.of("/repo")).withMode(mode);
    }

    private static final String WRITTEN = """
            {
              "callPattern" : "*:*",
              "metrics" : {
                "audit[pybudget.begin]" : 1,
                "audit[pybudget.end]" : 1,
                "calls[/usr/lib/python3.11/json/decoder.py:decode]" : 2,
                "calls[src/app.py:parse]" : 12,
                "gc.collected" : 457,
                "gc.collections.gen0" : 27,
                "gc.collections.gen1" : 2,
                "gc.collections.gen2" : 3,
                "imports.count" : 3,
                "imports.modules" : [
                  "decimal",
                  "json",
                  "numbers"
                ]
              },
              "python" : "3.11.2",
              "schema" : 1,
              "scope" : "window 'work'"
            }
            """;

    @Test
    void a_missing_baseline_should_be_written_off_CI_and_the_check_pass_with_a_note() throws IOException {
        Baseline b = baseline(BaselineMode.CHECK_OR_RECORD);
        BudgetCheck check = b.check(RecordingScope.window(run(3), "work"));

        assertThat(check.verdict()).isEqualTo(Verdict.PASSED);
        assertThat(check.notes()).containsExactly("Baseline " + b.file() + " did not exist: written from this run; commit it.");
        assertThat(Files.readString(b.file())).isEqualTo(WRITTEN);
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(b.file())))
                .isEqualTo("rw-r--r--");
    }

    @Test
    void a_missing_baseline_should_fail_on_CI() {
        Baseline b = baseline(BaselineMode.CHECK);
        assertThatThrownBy(() -> assertThat(run(3)).window("work").matchesBaseline(b))
                .isExactlyInstanceOf(AssertionError.class)
                .hasMessage("Expected no regression against baseline " + b.file() + " in window 'work', but there is no such"
                        + " file, and on CI a missing baseline is not written: record the baseline with"
                        + " -Dpybudget.baselines=update and commit it.");
        assertThat(b.file()).doesNotExist();
    }

    @Test
    void the_same_counts_should_match_the_baseline() {
        Baseline b = baseline(BaselineMode.CHECK_OR_RECORD);
        b.check(RecordingScope.window(run(3), "work"));
        BudgetCheck again = baseline(BaselineMode.CHECK).check(RecordingScope.window(run(3), "work"));
        assertThat(again.verdict()).isEqualTo(Verdict.PASSED);
        assertThat(again.notes()).isEmpty();
        assertThat(again.measured()).isEqualTo("no regression");
        assertThat(run(3)).window("work").matchesBaseline(baseline(BaselineMode.CHECK));
    }

    @Test
    void a_rise_should_fail_naming_the_metric_the_change_and_the_tolerance() {
        baseline(BaselineMode.CHECK_OR_RECORD).check(RecordingScope.window(run(3), "work"));
        Baseline b = baseline(BaselineMode.CHECK);
        assertThatThrownBy(() -> assertThat(run(7)).window("work").matchesBaseline(b))
                .isExactlyInstanceOf(AssertionError.class)
                .hasMessage("Expected no regression against baseline " + b.file() + " in window 'work', but 1 metric regressed:\n"
                        + "  gen-2 collections 3 -> 7 (+133%, tolerance 0)\n"
                        + "If the change is intended, record the baseline again with -Dpybudget.baselines=update and commit it.");
    }

    @Test
    void a_tolerance_should_allow_a_rise_up_to_it() {
        baseline(BaselineMode.CHECK_OR_RECORD).check(RecordingScope.window(run(3), "work"));
        assertThat(run(7)).window("work").matchesBaseline(baseline(BaselineMode.CHECK)
                .withTolerance("gc.collections.*", Tolerance.absolute(4)));
        Baseline percent = baseline(BaselineMode.CHECK).withTolerance("gc.collections.gen?", Tolerance.percent(100));
        assertThatThrownBy(() -> assertThat(run(7)).window("work").matchesBaseline(percent))
                .hasMessageContaining("  gen-2 collections 3 -> 7 (+133%, tolerance 100%)\n");
        // The last matching tolerance wins.
        assertThat(run(7)).window("work").matchesBaseline(percent.withTolerance("gc.collections.gen2", Tolerance.absolute(4)));
    }

    @Test
    void new_modules_functions_and_events_should_be_regressions() {
        baseline(BaselineMode.CHECK_OR_RECORD).check(RecordingScope.window(run(3), "work"));
        Recording more = recording().window("work", work(3).imports(imp("email", 60, 2.0, imp("email.errors", 61, 0.5)))
                .call("/repo/src/app.py", "render", 5).audit("socket.connect", 1)).build();
        Baseline b = baseline(BaselineMode.CHECK);
        assertThatThrownBy(() -> assertThat(more).window("work").matchesBaseline(b))
                .hasMessage("Expected no regression against baseline " + b.file() + " in window 'work', but 4 metrics regressed:\n"
                        + "  audit events 'socket.connect' 0 -> 1 (new, tolerance 0)\n"
                        + "  calls of src/app.py:render 0 -> 5 (new, tolerance 0)\n"
                        + "  imports 3 -> 5 (+67%, tolerance 0)\n"
                        + "  modules imported: +email, +email.errors (2 new, tolerance 0)\n"
                        + "If the change is intended, record the baseline again with -Dpybudget.baselines=update and commit it.");
    }

    @Test
    void a_fall_should_pass_with_a_note_and_be_listed_when_something_else_regressed() {
        baseline(BaselineMode.CHECK_OR_RECORD).check(RecordingScope.window(run(3), "work"));
        Baseline b = baseline(BaselineMode.CHECK);
        Recording fewer = recording().window("work", work(1)).build();
        BudgetCheck check = b.check(RecordingScope.window(fewer, "work"));
        assertThat(check.verdict()).isEqualTo(Verdict.PASSED);
        assertThat(check.notes()).containsExactly("Improved against baseline " + b.file()
                + ": gen-2 collections 3 -> 1 (-67%). Record the baseline again to keep the gain.");

        Recording mixed = recording().window("work", work(1).call("/repo/src/app.py", "render", 5)).build();
        assertThatThrownBy(() -> assertThat(mixed).window("work").matchesBaseline(b))
                .hasMessage("Expected no regression against baseline " + b.file() + " in window 'work', but 1 metric regressed:\n"
                        + "  calls of src/app.py:render 0 -> 5 (new, tolerance 0)\n"
                        + "Improved:\n"
                        + "  gen-2 collections 3 -> 1 (-67%)\n"
                        + "If the change is intended, record the baseline again with -Dpybudget.baselines=update and commit it.");
    }

    @Test
    void update_mode_should_rewrite_the_baseline_and_pass() throws IOException {
        baseline(BaselineMode.CHECK_OR_RECORD).check(RecordingScope.window(run(3), "work"));
        Baseline update = baseline(BaselineMode.UPDATE);
        BudgetCheck check = update.check(RecordingScope.window(run(7), "work"));
        assertThat(check.verdict()).isEqualTo(Verdict.PASSED);
        assertThat(check.notes()).containsExactly("Baseline " + update.file() + " updated (pybudget.baselines=update).");
        assertThat(Files.readString(update.file())).isEqualTo(WRITTEN.replace("\"gc.collections.gen2\" : 3", "\"gc.collections.gen2\" : 7"));
        assertThat(run(7)).window("work").matchesBaseline(baseline(BaselineMode.CHECK));
    }

    @Test
    void times_should_be_kept_and_compared_only_with_a_tolerance() throws IOException {
        Baseline timed = baseline(BaselineMode.CHECK_OR_RECORD).withTolerance("gc.pause.maxNanos", Tolerance.of(Duration.ofMillis(5)));
        timed.check(RecordingScope.window(run(3), "work"));
        assertThat(Files.readString(timed.file())).contains("\"gc.pause.maxNanos\" : 23454000,\n")
                .doesNotContain("p99Nanos").doesNotContain("imports.totalNanos");

        Recording slower = recording().window("work", work(3).pauses(150_000, 200_000, 40_000_000)).build();
        assertThatThrownBy(() -> assertThat(slower).window("work").matchesBaseline(timed.withMode(BaselineMode.CHECK)))
                .hasMessageContaining("but 1 metric regressed:\n  longest collection pause 23.5 ms -> 40.0 ms (+71%, tolerance 5.0 ms)\n");
        // Without the tolerance, the kept time is not compared.
        assertThat(slower).window("work").matchesBaseline(baseline(BaselineMode.CHECK));
    }

    @Test
    void ignored_metrics_should_be_neither_written_nor_compared() throws IOException {
        Baseline b = baseline(BaselineMode.CHECK_OR_RECORD).ignoring("audit[*]").ignoring("imports.modules");
        b.check(RecordingScope.window(run(3), "work"));
        assertThat(Files.readString(b.file())).doesNotContain("audit[").doesNotContain("imports.modules");
        Recording more = recording().window("work", work(3).audit("socket.connect", 1)
                .imports(imp("email", 60, 2.0)).importCount(4)).build();
        assertThatThrownBy(() -> assertThat(more).window("work").matchesBaseline(b.withMode(BaselineMode.CHECK)))
                .hasMessageContaining("but 1 metric regressed:\n  imports 3 -> 4 (+33%, tolerance 0)\n");
    }

    @Test
    void a_baseline_should_not_be_written_from_a_recording_that_lost_counts() {
        Recording lossy = recording().window("work", work(3)).losses(losses(0, 3, 0, 0, 0, 0, 0, 0, 0)).build();
        Baseline b = baseline(BaselineMode.UPDATE);
        assertThatThrownBy(() -> assertThat(lossy).window("work").matchesBaseline(b))
                .isExactlyInstanceOf(InconclusiveBudgetError.class)
                .hasMessage("Expected no regression against baseline " + b.file() + " in window 'work', but this recording is"
                        + " incomplete, so no baseline was written:\n  calls: 3 calls found no room in the kernel's call map");
        assertThat(b.file()).doesNotExist();
    }

    @Test
    void lost_counts_should_leave_falls_uncompared_but_still_catch_rises() {
        baseline(BaselineMode.CHECK_OR_RECORD).check(RecordingScope.window(run(3), "work"));
        Baseline b = baseline(BaselineMode.CHECK);
        Losses calls = losses(0, 3, 0, 0, 0, 0, 0, 0, 0);
        Recording same = recording().window("work", work(3)).losses(calls).build();
        assertThatThrownBy(() -> assertThat(same).window("work").matchesBaseline(b))
                .isExactlyInstanceOf(InconclusiveBudgetError.class)
                .hasMessage("Expected no regression against baseline " + b.file() + " in window 'work', but 2 metrics could"
                        + " not be compared:\n"
                        + "  calls of /usr/lib/python3.11/json/decoder.py:decode 2 -> 2: 3 calls found no room in the kernel's call map\n"
                        + "  calls of src/app.py:parse 12 -> 12: 3 calls found no room in the kernel's call map");
        Recording more = recording().window("work", sections().gc(27, 2, 3).collected(457)
                .imports(imp("decimal", 10, 38.0, imp("numbers", 11, 1.1)), imp("json", 50, 3.2))
                .call("/repo/src/app.py", "parse", 20).audit("pybudget.begin", 1).audit("pybudget.end", 1)).losses(calls).build();
        assertThatThrownBy(() -> assertThat(more).window("work").matchesBaseline(b))
                .isExactlyInstanceOf(AssertionError.class)
                .hasMessage("Expected no regression against baseline " + b.file() + " in window 'work', but 1 metric regressed:\n"
                        + "  calls of src/app.py:parse 12 -> 20 (+67%, tolerance 0)\n"
                        + "Not compared:\n"
                        + "  calls of /usr/lib/python3.11/json/decoder.py:decode 2 -> 0: 3 calls found no room in the kernel's call map\n"
                        + "If the change is intended, record the baseline again with -Dpybudget.baselines=update and commit it.");
    }

    @Test
    void metrics_the_run_did_not_measure_should_not_be_compared() {
        baseline(BaselineMode.CHECK_OR_RECORD).check(RecordingScope.window(run(3), "work"));
        Recording noCalls = recording().withoutProbe("function__return").window("work", work(3)).build();
        Baseline b = baseline(BaselineMode.CHECK);
        assertThatThrownBy(() -> assertThat(noCalls).window("work").matchesBaseline(b))
                .isExactlyInstanceOf(InconclusiveBudgetError.class)
                .hasMessage("Expected no regression against baseline " + b.file() + " in window 'work', but 2 metrics could"
                        + " not be compared:\n"
                        + "  calls of /usr/lib/python3.11/json/decoder.py:decode: calls were not counted: the trace had no call"
                        + " pattern (TraceOptions.withCallPattern), so there is nothing to compare\n"
                        + "  calls of src/app.py:parse: calls were not counted: the trace had no call pattern"
                        + " (TraceOptions.withCallPattern), so there is nothing to compare");
        // Leaving calls out of the baseline makes the rest comparable.
        assertThat(noCalls).window("work").matchesBaseline(b.ignoring("calls[*]"));
    }

    @Test
    void a_different_CPython_should_be_named_in_the_message() {
        baseline(BaselineMode.CHECK_OR_RECORD).check(RecordingScope.window(run(3), "work"));
        Recording py313 = recording().python("3.13.5").window("work", work(4)).build();
        Baseline b = baseline(BaselineMode.CHECK);
        assertThatThrownBy(() -> assertThat(py313).window("work").matchesBaseline(b))
                .hasMessageEndingWith("  gen-2 collections 3 -> 4 (+33%, tolerance 0)\n(The baseline was recorded with CPython"
                        + " 3.11.2; this run used CPython 3.13.5, whose counts may differ.) If the change is intended, record the"
                        + " baseline again with -Dpybudget.baselines=update and commit it.");
    }

    @Test
    void a_baseline_of_another_scope_or_an_unreadable_one_should_fail() throws IOException {
        Baseline b = baseline(BaselineMode.CHECK_OR_RECORD);
        b.check(RecordingScope.window(run(3), "work"));
        Recording whole = recording().whole(work(3)).build();
        assertThatThrownBy(() -> assertThat(whole).matchesBaseline(b))
                .hasMessage("Expected no regression against baseline " + b.file() + ", but that baseline was recorded for"
                        + " window 'work', not for the whole run.");
        Files.writeString(b.file(), "{\"schema\": 1, \"metrics\": {\"gc.collected\": \"many\"}}");
        assertThatThrownBy(() -> assertThat(run(3)).window("work").matchesBaseline(b))
                .hasMessage("Expected no regression against baseline " + b.file() + " in window 'work', but the baseline cannot"
                        + " be read: the metric gc.collected is not a whole number (" + b.file() + ")");
    }

    @Test
    void a_missing_window_should_fail_before_any_file_is_touched() {
        Baseline b = baseline(BaselineMode.UPDATE);
        assertThatThrownBy(() -> b.check(RecordingScope.window(run(3), "request")).orThrow())
                .hasMessage("Expected no regression against baseline " + b.file() + " in window 'request', but the recording"
                        + " has no window 'request'; its window is 'work'.");
        assertThat(b.file()).doesNotExist();
    }

    @Test
    void call_sites_outside_the_source_root_should_keep_their_path() {
        assertThat(BaselineMetrics.relative("/repo/src/app.py", java.util.Optional.of(Path.of("/repo")))).isEqualTo("src/app.py");
        assertThat(BaselineMetrics.relative("/repository/app.py", java.util.Optional.of(Path.of("/repo"))))
                .isEqualTo("/repository/app.py");
        assertThat(BaselineMetrics.relative("<frozen importlib._bootstrap>", java.util.Optional.of(Path.of("/repo"))))
                .isEqualTo("<frozen importlib._bootstrap>");
    }

    @Test
    void the_mode_should_come_from_the_property_and_the_CI_variable() {
        assertThat(BaselineMode.of(null, null)).isEqualTo(BaselineMode.CHECK_OR_RECORD);
        assertThat(BaselineMode.of("", "false")).isEqualTo(BaselineMode.CHECK_OR_RECORD);
        assertThat(BaselineMode.of(null, "true")).isEqualTo(BaselineMode.CHECK);
        assertThat(BaselineMode.of(null, "TRUE")).isEqualTo(BaselineMode.CHECK);
        assertThat(BaselineMode.of("update", "true")).isEqualTo(BaselineMode.UPDATE);
        assertThatThrownBy(() -> BaselineMode.of("updte", null))
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessage("-Dpybudget.baselines must be 'update' or unset, got 'updte'.");
    }

    @Test
    void CI_should_be_detected_as_CI_systems_announce_themselves() {
        assertThat(BaselineMode.of(null, Map.of(), null, null)).isEqualTo(BaselineMode.CHECK_OR_RECORD);
        for (Map<String, String> ci : List.of(Map.of("CI", "1"), Map.of("CI", "yes"), Map.of("JENKINS_URL", "http://jenkins/"),
                Map.of("TEAMCITY_VERSION", "2024.1"), Map.of("GITHUB_ACTIONS", "true"), Map.of("GITLAB_CI", "true"),
                Map.of("BUILD_NUMBER", "17"), Map.of("TF_BUILD", "True"))) {
            assertThat(BaselineMode.of(null, ci, null, null)).as(ci.toString()).isEqualTo(BaselineMode.CHECK);
        }
        assertThat(BaselineMode.of(null, Map.of("CI", "false"), null, null)).isEqualTo(BaselineMode.CHECK_OR_RECORD);
        assertThat(BaselineMode.of(null, Map.of("CI", "0"), null, null)).isEqualTo(BaselineMode.CHECK_OR_RECORD);
        // the setting (junit-platform.properties or -D) says it outright, either way
        assertThat(BaselineMode.of(null, Map.of(), "true", null)).isEqualTo(BaselineMode.CHECK);
        assertThat(BaselineMode.of(null, Map.of("JENKINS_URL", "http://jenkins/"), "false", null))
                .isEqualTo(BaselineMode.CHECK_OR_RECORD);
        assertThatThrownBy(() -> BaselineMode.of(null, Map.of(), "yes", null))
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessage("pybudget.ci must be 'true' or 'false', got 'yes'.");
    }

    @Test
    void update_mode_should_fail_on_CI_unless_allowed() {
        assertThatThrownBy(() -> BaselineMode.of("update", Map.of("JENKINS_URL", "http://jenkins/"), null, null))
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessage("Baselines are not rewritten on CI (JENKINS_URL=http://jenkins/): a baseline written there blesses"
                        + " whatever the run measured; update them on a workstation and commit them, or set"
                        + " pybudget.baselines.updateOnCi=true.");
        assertThatThrownBy(() -> BaselineMode.of("update", Map.of(), "true", "false"))
                .hasMessageStartingWith("Baselines are not rewritten on CI (pybudget.ci=true)");
        assertThat(BaselineMode.of("update", Map.of("CI", "1"), null, "true")).isEqualTo(BaselineMode.UPDATE);
        assertThat(BaselineMode.of("update", Map.of(), null, null)).isEqualTo(BaselineMode.UPDATE);
    }

    @Test
    void a_baseline_should_refuse_a_run_that_counted_another_call_pattern() throws IOException {
        Baseline b = baseline(BaselineMode.CHECK_OR_RECORD);
        b.check(RecordingScope.window(recording().callPattern("*/server.py:*").window("work", work(3)).build(), "work"));
        assertThat(Files.readString(b.file())).contains("\"callPattern\" : \"*/server.py:*\"");
        // A narrower pattern reads every function outside it as 0 calls: "improved" would be a lie.
        Recording narrower = recording().callPattern("*/server.py:parse").window("work", work(3)).build();
        assertThatThrownBy(() -> assertThat(narrower).window("work").matchesBaseline(b.withMode(BaselineMode.CHECK)))
                .isExactlyInstanceOf(AssertionError.class)
                .hasMessage("Expected no regression against baseline " + b.file() + " in window 'work', but that baseline"
                        + " counted the calls of '*/server.py:*' and this run those of '*/server.py:parse', so their calls"
                        + " cannot be compared: give the workload the baseline's call pattern, or record the baseline again"
                        + " with -Dpybudget.baselines=update and commit it.");
    }

    @Test
    void a_baseline_written_before_patterns_were_kept_should_not_read_new_functions_as_0() throws IOException {
        Baseline b = baseline(BaselineMode.CHECK_OR_RECORD);
        b.check(RecordingScope.window(run(3), "work"));
        Files.writeString(b.file(), Files.readString(b.file()).replace("  \"callPattern\" : \"*:*\",\n", ""));
        Recording more = recording().window("work", work(3).call("/repo/src/app.py", "render", 5)).build();
        assertThatThrownBy(() -> assertThat(more).window("work").matchesBaseline(b.withMode(BaselineMode.CHECK)))
                .isExactlyInstanceOf(InconclusiveBudgetError.class)
                .hasMessageContaining("calls of src/app.py:render: the baseline does not say which call pattern it counted;"
                        + " record it again");
    }

    @Test
    void bad_arguments_should_be_rejected() {
        assertThatThrownBy(() -> Baseline.at(null)).isExactlyInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> baseline(BaselineMode.CHECK).withTolerance(" ", Tolerance.NONE))
                .isExactlyInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> baseline(BaselineMode.CHECK).ignoring(null))
                .isExactlyInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Tolerance.absolute(-1)).isExactlyInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Tolerance.percent(-5)).isExactlyInstanceOf(IllegalArgumentException.class);
        assertThat(List.of(Tolerance.NONE.describe(false), Tolerance.absolute(3).describe(false), Tolerance.percent(12.5).describe(false),
                new Tolerance(2, 0.1).describe(false))).containsExactly("0", "3", "12.5%", "2 or 10%");
    }
}

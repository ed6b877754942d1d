package dev.pybudget.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pybudget.assertions.Budgets;
import dev.pybudget.assertions.RecordingScope;
import dev.pybudget.assertions.Verdict;
import dev.pybudget.recording.GcStats;
import dev.pybudget.recording.ImportNode;
import dev.pybudget.recording.Losses;
import dev.pybudget.recording.PauseStats;
import dev.pybudget.recording.PythonInfo;
import dev.pybudget.recording.Recording;
import dev.pybudget.recording.Sections;
import dev.pybudget.recording.Window;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BudgetSummaryTest {

    @TempDir
    Path dir;

    private static BudgetSummary sample() {
        BudgetSummary summary = new BudgetSummary();
        summary.record("GcTest.churn()", "at most 3 gen-2 collections in window 'work'", Verdict.PASSED, "2 gen-2 collections");
        summary.record("CheckoutTest.firstRequest()", "no imports in window 'request'", Verdict.FAILED, "89 imports (72.6 ms)");
        summary.record("CallsTest.parse()", "at most 100 calls of '*/app.py:parse'", Verdict.INCONCLUSIVE,
                "no function__return probe");
        summary.record("CheckoutTest.firstRequest()", "no audit event 'socket.*' | 'ssl.*'", Verdict.PASSED,
                "no matching event\nat all");
        return summary;
    }

    private static final String SAMPLE = """
            ## pybudget: 4 budgets, 2 passed, 1 failed, 1 inconclusive

            ### CallsTest

            | Test | Budget | Result | Measured |
            | --- | --- | --- | --- |
            | CallsTest.parse() | at most 100 calls of '*/app.py:parse' | ⚠️ inconclusive | no function__return probe |

            ### CheckoutTest

            | Test | Budget | Result | Measured |
            | --- | --- | --- | --- |
            | CheckoutTest.firstRequest() | no imports in window 'request' | ❌ failed | 89 imports (72.6 ms) |
            | CheckoutTest.firstRequest() | no audit event 'socket.*' \\| 'ssl.*' | ✅ passed | no matching event at all |

            ### GcTest

            | Test | Budget | Result | Measured |
            | --- | --- | --- | --- |
            | GcTest.churn() | at most 3 gen-2 collections in window 'work' | ✅ passed | 2 gen-2 collections |
            """;


    @Test
    void should_render_a_table_failed_first_with_escaped_cells() {
        assertThat(sample().toMarkdown()).isEqualTo(SAMPLE);
        assertThat(new BudgetSummary().toMarkdown()).isEqualTo("## pybudget: no budgets were checked\n");
    }

    @Test
    void should_record_the_verdicts_that_budget_checks_make() {
        ImportNode json = new ImportNode("json", true, 1_000_000, 3_200_000, 7, List.of());
        Sections request = new Sections(new GcStats(List.of(0L, 0L, 0L), 0, PauseStats.fromHistogram(0, 0, List.of())), 1,
                List.of(json), List.of(), List.of(), List.of());
        Recording r = new Recording(new PythonInfo("/usr/bin/python3.13", "3.13.5", 7), List.of("audit", "gc__start",
                "import__find__load__start"), List.of("function__return"), 1, request, 0, Losses.NONE,
                List.of(new Window("request", request)), Optional.of(0));
        BudgetSummary summary = new BudgetSummary();
        summary.record("A.b()", Budgets.noImports(RecordingScope.window(r, "request")));
        summary.record("A.b()", Budgets.noGcCollections(RecordingScope.window(r, "request"), 2));
        summary.record("A.b()", Budgets.callsAtMost(RecordingScope.whole(r), "*/app.py:parse", 100));

        assertThat(summary.entries()).containsExactly(
                new BudgetSummary.Entry("A.b()", "no imports in window 'request'", Verdict.FAILED, "1 import (3.2 ms)"),
                new BudgetSummary.Entry("A.b()", "no gen-2 collections in window 'request'", Verdict.PASSED, "0 gen-2 collections"),
                new BudgetSummary.Entry("A.b()", "at most 100 calls of '*/app.py:parse'", Verdict.INCONCLUSIVE,
                        "no function__return probe"));
    }

    @Test
    void should_take_records_from_many_threads_at_once() throws Exception {
        BudgetSummary summary = new BudgetSummary();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            int thread = t;
            done.add(pool.submit(() -> {
                start.await();
                for (int i = 0; i < 500; i++) {
                    summary.record("T" + thread + ".test" + i + "()", "budget " + i, Verdict.PASSED, "");
                }
                return null;
            }));
        }
        start.countDown();
        for (Future<?> f : done) {
            f.get();
        }
        pool.shutdown();
        assertThat(summary.entries()).hasSize(4000).doesNotContainNull();
        assertThat(summary.toMarkdown()).startsWith("## pybudget: 4000 budgets, 4000 passed, 0 failed, 0 inconclusive\n");
    }

    @Test
    void publish_should_write_summary_md_and_append_to_the_step_summary_when_set() throws IOException {
        Path step = dir.resolve("step-summary.md");
        Files.writeString(step, "## Earlier step\n");
        Path written = sample().publish(dir.resolve("target/pybudget"), Map.of("GITHUB_STEP_SUMMARY", step.toString()));

        assertThat(written).isEqualTo(dir.resolve("target/pybudget/summary.md"));
        assertThat(Files.readString(written)).isEqualTo(SAMPLE);
        assertThat(Files.readString(step)).isEqualTo("## Earlier step\n" + SAMPLE + "\n");
    }

    @Test
    void publish_should_only_write_summary_md_without_a_step_summary() throws IOException {
        BudgetSummary summary = sample();
        summary.publish(dir, Map.of());
        summary.record("Late.test()", "no imports", Verdict.PASSED, "0 imports");
        Path written = summary.publish(dir, Map.of("GITHUB_STEP_SUMMARY", " "));
        assertThat(Files.readString(written)).contains("## pybudget: 5 budgets, 3 passed").contains("| Late.test() |");
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("summary.md", "summary");
        }
    }

    @Test
    void save_should_accumulate_the_parts_of_every_JVM_and_replace_a_class_run_again() throws IOException {
        BudgetSummary firstJvm = new BudgetSummary();
        firstJvm.record("GcTest.churn()", "no gen-2 collections", Verdict.FAILED, "2 gen-2 collections");
        firstJvm.save(dir);
        BudgetSummary secondJvm = new BudgetSummary(); // reuseForks=false: another JVM, the same folder
        secondJvm.record("ImportTest.request()", "no imports", Verdict.PASSED, "0 imports");
        Path written = secondJvm.save(dir);

        assertThat(Files.readString(written)).startsWith("## pybudget: 2 budgets, 1 passed, 1 failed, 0 inconclusive\n")
                .contains("### GcTest", "| GcTest.churn() | no gen-2 collections | ❌ failed |")
                .contains("### ImportTest", "| ImportTest.request() | no imports | ✅ passed |");

        BudgetSummary rerun = new BudgetSummary(); // GcTest alone, run again and fixed
        rerun.record("GcTest.churn()", "no gen-2 collections", Verdict.PASSED, "0 gen-2 collections");
        rerun.save(dir);
        assertThat(Files.readString(written)).startsWith("## pybudget: 2 budgets, 2 passed, 0 failed, 0 inconclusive\n")
                .doesNotContain("❌");
    }

    @Test
    void a_row_should_show_how_its_test_ended() {
        BudgetSummary summary = new BudgetSummary();
        summary.record("GcTest.churn()", "no gen-2 collections", Verdict.PASSED, "0 gen-2 collections");
        summary.record("GcTest.other()", "no imports", Verdict.PASSED, "0 imports");
        summary.testEnded("GcTest", "GcTest.churn()", "test failed: expected 200 but was 500");
        assertThat(summary.toMarkdown())
                .contains("| GcTest.churn() (test failed: expected 200 but was 500) | no gen-2 collections | ✅ passed |")
                .contains("| GcTest.other() | no imports | ✅ passed |");
    }

    @Test
    void a_failure_the_test_caught_should_be_left_out_when_the_test_passes() {
        BudgetSummary summary = new BudgetSummary();
        summary.record("GcTest.churn()", "no gen-2 collections", Verdict.PASSED, "0 gen-2 collections");
        summary.record("GcTest.churn()", "at most 99 calls", Verdict.FAILED, "100 calls"); // assertThatThrownBy(...)
        summary.record("GcTest.other()", "at most 99 calls", Verdict.FAILED, "100 calls");
        summary.testPassed("GcTest", "GcTest.churn()");
        assertThat(summary.entries()).extracting(BudgetSummary.Entry::test, BudgetSummary.Entry::verdict).containsExactly(
                org.assertj.core.groups.Tuple.tuple("GcTest.churn()", Verdict.PASSED),
                org.assertj.core.groups.Tuple.tuple("GcTest.other()", Verdict.FAILED));
    }

    @Test
    void files_should_be_readable_by_all() throws IOException {
        Path written = sample().save(dir);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(written))).isEqualTo("rw-r--r--");
        try (var parts = Files.list(dir.resolve(BudgetSummary.PARTS))) {
            for (Path part : parts.filter(p -> p.toString().endsWith(".json")).toList()) {
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(part))).isEqualTo("rw-r--r--");
            }
        }
    }

    @Test
    void should_reject_an_entry_without_test_budget_or_verdict() {
        BudgetSummary summary = new BudgetSummary();
        assertThatThrownBy(() -> summary.record(null, "b", Verdict.PASSED, "")).isExactlyInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> summary.record("t", " ", Verdict.PASSED, "")).isExactlyInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> summary.record("t", "b", null, "")).isExactlyInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> summary.record("t", "b", Verdict.FAILED, null)).isExactlyInstanceOf(IllegalArgumentException.class);
        assertThat(BudgetSummary.ofThisRun()).isSameAs(BudgetSummary.ofThisRun());
    }
}

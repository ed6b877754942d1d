package dev.pybudget.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pybudget.engine.LocalWorkload;
import dev.pybudget.junit.PythonPerfTest;
import dev.pybudget.junit.Recorder;
import dev.pybudget.junit.Workload;
import dev.pybudget.recording.ImportNode;
import dev.pybudget.recording.Losses;
import dev.pybudget.recording.Recording;
import dev.pybudget.recording.Sections;
import dev.pybudget.recording.Window;
import dev.pybudget.report.JsonReport;
import dev.pybudget.report.TextReport;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.platform.engine.TestExecutionResult;
import org.opentest4j.AssertionFailedError;
import dev.pybudget.support.Pythons;
import dev.pybudget.support.PythonFixtures;
import dev.pybudget.support.LocalRuns;
import dev.pybudget.support.JUnitRun;

/**
 * The workload ends badly (crash.py's modes, a kill from outside, a hang): what was recorded up to
 * then is kept, the exit status (128+N for signal N) is reported, and assertions run on it.
 */
class WorkloadFaultsTest {

    @TempDir
    Path tmp;

    static LocalWorkload crashLater(String mode) {
        return new LocalWorkload(Pythons.debian().toString(), "crash_later.py", mode)
                .withDirectory(PythonFixtures.workload("reliability/crash_later.py").getParent())
                .withOptions(LocalRuns.options());
    }

    /** Sends SIGUSR1 (crash_later.py's cue) to a local process. */
    static void cue(long pid) throws Exception {
        assertThat(new ProcessBuilder("kill", "-USR1", String.valueOf(pid)).start().waitFor()).isZero();
    }

    static void awaitReady(LocalWorkload app) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (app.snapshot().window("work").map(w -> w.sections().gc().collections(2)).orElse(0L) == 0) {
            assertThat(System.nanoTime()).as("crash_later.py reached its wait").isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    /** The workload exits with status 3 in the middle of a test that does not wait for it, and whose assertions pass. */
    @PythonPerfTest
    static class DiesUnawaited {
        @Workload
        LocalWorkload app = crashLater("exit3");

        @Test
        void records(Recorder recorder) throws Exception {
            awaitReady(app);
            Recording r = recorder.record("request", () -> {
                cue(app.pid());
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (app.snapshot().exitStatus().isEmpty() && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
            });
            assertThat(r.window("request")).isPresent();
        }
    }

    /** The same death, and the test's own assertion fails too: the user reads both. */
    @PythonPerfTest
    static class DiesAndFailsItsAssertion {
        @Workload
        LocalWorkload app = crashLater("exception");

        @Test
        void records(Recorder recorder) throws Exception {
            awaitReady(app);
            cue(app.pid());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (app.snapshot().exitStatus().isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(recorder.sinceTestStart().gc().collections(2)).as("gen-2 collections").isEqualTo(99);
        }
    }

    /** The test expects the end: it waits for it with awaitExit, and asserts on the exit status. */
    @PythonPerfTest
    static class DiesAwaited {
        @Workload
        LocalWorkload app = crashLater("segv");
        static Recording last;

        @Test
        void records() throws Exception {
            awaitReady(app);
            cue(app.pid());
            last = app.awaitExit(Duration.ofSeconds(20));
            assertThat(last.exitStatus()).contains(139);
        }
    }

    @Test
    void should_fail_a_test_during_which_the_local_workload_died_and_say_how() {
        JUnitRun.Outcome test = JUnitRun.launch(DiesUnawaited.class).single();

        assertThat(test.status()).isEqualTo(TestExecutionResult.Status.FAILED);
        assertThat(test.thrown()).isInstanceOf(AssertionFailedError.class);
        assertThat(test.thrown().getMessage()).matches("The workload in field 'app' died during this test \\(exited with status 3\\);"
                + " what it recorded up to then is in .*DiesUnawaited-records\\.json\\.");
    }

    @Test
    void should_add_the_death_to_a_test_that_failed_its_own_assertion() {
        JUnitRun.Outcome test = JUnitRun.launch(DiesAndFailsItsAssertion.class).single();

        assertThat(test.status()).isEqualTo(TestExecutionResult.Status.FAILED);
        assertThat(test.thrown()).hasMessageContaining("gen-2 collections");
        assertThat(test.thrown().getSuppressed()).hasSize(1);
        assertThat(test.thrown().getSuppressed()[0]).hasMessageStartingWith(
                "The workload in field 'app' died during this test (exited with status 1)");
    }

    @Test
    void should_not_fail_a_test_that_waited_for_the_workload_to_end() {
        DiesAwaited.last = null;
        JUnitRun.Outcome test = JUnitRun.launch(DiesAwaited.class).single();

        assertThat(test.status()).as("%s", test.thrown()).isEqualTo(TestExecutionResult.Status.SUCCESSFUL);
        assertThat(DiesAwaited.last.exitDescription()).isEqualTo("killed by signal 11 (SIGSEGV): exit status 139");
        assertRecordedTheWarmUp(DiesAwaited.last);
    }

    @ParameterizedTest(name = "crash.py {0} -> {2}")
    @CsvSource({"exception, 1, exited with status 1", "exit3, 3, exited with status 3",
            "segv, 139, 'killed by signal 11 (SIGSEGV): exit status 139'"})
    void should_keep_the_recording_and_report_the_exit_status_when_the_workload_crashes(String mode, int status,
                                                                                        String described) {
        Recording r;
        try (LocalRuns.Run run = LocalRuns.start(tmp, LocalRuns.options(), "crash.py", mode)) {
            r = run.trace().finish();
            assertThat(run.out()).as("the workload's stdout").contains("crash: " + mode);
        }

        assertThat(r.exitStatus()).as("exit status of crash.py %s", mode).contains(status);
        assertRecordedTheWarmUp(r);
        assertThat(r.exitDescription()).isEqualTo(described);
        assertThat(TextReport.render(r).lines().findFirst().orElseThrow()).endsWith(", " + described);
        assertThat(JsonReport.toJson(r).path("exitStatus").asInt()).isEqualTo(status);
    }

    @Test
    void should_keep_the_recording_and_report_the_signal_when_the_workload_is_killed_from_outside() throws Exception {
        Recording r;
        try (LocalRuns.Run run = LocalRuns.start(tmp, LocalRuns.options(), "crash.py", "hang")) {
            awaitOutput(run, "hanging");
            Recording before = run.trace().snapshot();
            assertThat(before.exitStatus()).as("still running").isEmpty();
            ProcessHandle.of(run.trace().pid()).orElseThrow().destroyForcibly();
            r = run.trace().finish();
        }

        assertThat(r.exitStatus()).as("SIGKILL: 128 + 9").contains(137);
        assertThat(r.exitDescription()).isEqualTo("killed by signal 9 (SIGKILL): exit status 137");
        assertRecordedTheWarmUp(r);
    }

    @Test
    void should_stop_a_workload_that_never_exits_at_the_configured_timeout_and_keep_what_it_recorded() {
        Recording r;
        long start = System.nanoTime();
        try (LocalRuns.Run run = LocalRuns.start(tmp, LocalRuns.options().withTimeout(Duration.ofSeconds(3)), "crash.py", "hang")) {
            r = run.trace().finish();
            assertThat(run.trace().isRunning()).isFalse();
        }
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);

        assertThat(seconds).as("finish() returned after the 3 s timeout, not later").isBetween(3L, 8L);
        assertThat(r.exitStatus()).as("stopped with SIGTERM: 128 + 15").contains(143);
        assertRecordedTheWarmUp(r);
    }

    @Test
    void should_kill_a_workload_that_ignores_sigterm_when_the_trace_is_closed() throws Exception {
        long start;
        Recording r;
        LocalRuns.Run run = LocalRuns.start(tmp, LocalRuns.options(), "reliability/stubborn.py");
        try (run) {
            awaitOutput(run, "stubborn");
            start = System.nanoTime();
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        r = run.trace().snapshot();

        assertThat(millis).as("close(): SIGTERM, 2 s of grace, then SIGKILL").isBetween(1_900L, 6_000L);
        assertThat(r.exitStatus()).as("killed: 128 + 9").contains(137);
        Sections work = r.window("work").map(Window::sections).orElseThrow();
        assertThat(work.allImports()).extracting(ImportNode::module).contains("json");
        assertThat(work.gc().collections(2)).isEqualTo(1);
    }

    @Test
    void should_stop_the_processes_the_workload_started_when_the_trace_is_closed() throws Exception {
        ProcessBuilder workload = new ProcessBuilder(Pythons.debian().toString(), "-c", String.join("\n",
                "import subprocess, sys, time",
                "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'])",
                "print('child', child.pid, flush=True)",
                "time.sleep(600)")).redirectOutput(tmp.resolve("out").toFile()).redirectError(tmp.resolve("err").toFile());
        long child;
        try (dev.pybudget.engine.Trace trace = dev.pybudget.engine.Tracer.start(workload, LocalRuns.options())) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!java.nio.file.Files.readString(tmp.resolve("out")).startsWith("child ")) {
                assertThat(System.nanoTime()).as("the workload started its child").isLessThan(deadline);
                Thread.sleep(20);
            }
            child = Long.parseLong(java.nio.file.Files.readString(tmp.resolve("out")).trim().split(" ")[1]);
            assertThat(ProcessHandle.of(child)).as("the child runs").isPresent();
        }
        java.util.Optional<ProcessHandle> left = ProcessHandle.of(child);
        if (left.isPresent()) {
            left.get().onExit().get(5, TimeUnit.SECONDS);
        }
        assertThat(ProcessHandle.of(child).map(ProcessHandle::isAlive)).as("the workload's child, after close()")
                .isNotEqualTo(java.util.Optional.of(true));
    }

    /** crash.py's warm-up, inside the window "work" it never closes: imports json and decimal, one gc.collect(). */
    private static void assertRecordedTheWarmUp(Recording r) {
        Sections work = r.window("work").map(Window::sections)
                .orElseThrow(() -> new AssertionError("no window 'work' in " + r.windows()));
        assertThat(work.allImports()).extracting(ImportNode::module).contains("json", "decimal");
        assertThat(work.importCount()).isGreaterThanOrEqualTo(work.allImports().size());
        assertThat(work.gc().collections(2)).as("the explicit gc.collect()").isGreaterThanOrEqualTo(1);
        assertThat(work.gc().collected()).as("2000 self-referencing dicts").isGreaterThanOrEqualTo(2000);
        assertThat(r.losses()).isEqualTo(Losses.NONE);
    }

    private static void awaitOutput(LocalRuns.Run run, String text) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!run.out().contains(text)) {
            assertThat(System.nanoTime()).as("the workload printed '%s'; its stderr: %s", text, run.err()).isLessThan(deadline);
            assertThat(run.trace().isRunning()).as("the workload runs; its stderr: %s", run.err()).isTrue();
            Thread.sleep(20);
        }
    }
}

package dev.pybudget.reliability;

import static dev.pybudget.assertions.PyBudgetAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pybudget.assertions.InconclusiveBudgetError;
import dev.pybudget.engine.JavaWindow;
import dev.pybudget.engine.Trace;
import dev.pybudget.engine.Tracer;
import dev.pybudget.recording.Loss;
import dev.pybudget.recording.Losses;
import dev.pybudget.recording.Recording;
import dev.pybudget.recording.Sections;
import dev.pybudget.recording.Window;
import dev.pybudget.report.JsonReport;
import dev.pybudget.report.TextReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import dev.pybudget.support.Pythons;
import dev.pybudget.support.LocalRuns;

/**
 * Every way a window's or a collection's bookkeeping can go wrong (python-fixtures/workloads/reliability/window_holes.py),
 * traced, and the verdict a user gets from the public assertions: exact, failed or inconclusive, never a
 * pass on evidence that is not there.
 */
class WindowHolesTest {

    @TempDir
    Path tmp;

    private record Run(Recording recording, JsonNode facts) {
        Sections window(String name) {
            return recording.window(name).map(Window::sections).orElseThrow(() ->
                    new AssertionError("no window '" + name + "' in " + recording.windows().stream().map(Window::name).toList()));
        }
    }

    private Run trace(String... args) throws Exception {
        Recording r;
        String out;
        try (LocalRuns.Run run = LocalRuns.start(tmp, LocalRuns.options(), "reliability/window_holes.py", args)) {
            r = run.trace().finish();
            out = run.out();
            Assertions.assertThat(r.exitStatus()).as("window_holes.py %s: stderr %s", List.of(args), run.err()).contains(0);
        }
        String[] lines = out.strip().split("\n");
        return new Run(r, new ObjectMapper().readTree(lines[lines.length - 1]));
    }

    /** Case 1: threads that end inside a window leave nothing behind: a window after 4,100 of them is exact. */
    @Test
    void threads_that_exit_inside_a_window_should_leave_later_windows_exact() throws Exception {
        Run run = trace("threads_end_inside", "4100");

        Assertions.assertThat(run.recording().losses()).as("nothing lost: each exit ended its thread's window")
                .isEqualTo(Losses.NONE);
        Assertions.assertThat(run.window("req").importCount()).isEqualTo(1);
        assertThatThrownBy(() -> assertThat(run.recording()).window("req").imports().containsNone("colorsys"))
                .isExactlyInstanceOf(AssertionError.class)
                .hasMessageStartingWith("Expected no import of 'colorsys' in window 'req', but");
        Assertions.assertThat(run.window("dead").audit()).as("each thread's begin counted in 'dead'")
                .anySatisfy(a -> Assertions.assertThat(a.event() + "=" + a.count()).isEqualTo("pybudget.begin=4100"));
    }

    /** Case 1: more threads inside a window at once than the kernel follows: a loss, and window budgets inconclusive. */
    @Test
    void a_begin_with_no_room_for_its_thread_should_make_window_budgets_inconclusive() throws Exception {
        Run run = trace("threads_full", "4096");

        // 4,096 workers hold every entry; main's begin of "req" finds none, so its end closes nothing either.
        Assertions.assertThat(run.recording().losses())
                .isEqualTo(Losses.NONE.with(Loss.WINDOW_THREADS, 1).with(Loss.WINDOW_UNBALANCED, 1));
        assertThatThrownBy(() -> assertThat(run.recording()).window("req").imports().containsNone("colorsys"))
                .isExactlyInstanceOf(InconclusiveBudgetError.class)
                .hasMessage("Expected no import of 'colorsys' in window 'req', but 2 window marks could not be followed"
                        + " (1 on a thread that found no room among the threads with windows open, 1 ending window 'req' on"
                        + " a thread where it was not open (an end closes a window only on the thread that opened it, so it"
                        + " stayed open there)), so the counts of every window are in doubt.");
        assertThatThrownBy(() -> assertThat(run.recording()).window("held").imports().hasCountAtMost(0))
                .isExactlyInstanceOf(InconclusiveBudgetError.class);
        // The whole run does not depend on window marks.
        assertThatThrownBy(() -> assertThat(run.recording()).imports().containsNone("colorsys"))
                .isExactlyInstanceOf(AssertionError.class);
    }

    /** Case 2: an end on another thread closes nothing; the window it meant to end is inconclusive, not passed. */
    @Test
    void an_end_on_another_thread_should_make_that_windows_budgets_inconclusive() throws Exception {
        Run run = trace("cross_thread_end");
        Recording r = run.recording();

        Assertions.assertThat(r.losses()).isEqualTo(Losses.NONE.with(Loss.WINDOW_UNBALANCED, 1));
        Assertions.assertThat(r.window("req").orElseThrow().unfollowedEnds()).isEqualTo(1);
        // As the rules say: "req" stayed open on main (shlex and the collection are in it), the worker's import is not.
        Assertions.assertThat(run.window("req").allImports()).extracting(i -> i.module()).contains("shlex")
                .doesNotContain("colorsys");
        // Every gen-2 collection ran on main after the begin: the one asked for and those of the interpreter's exit.
        Assertions.assertThat(run.window("req").gc().collections(2)).isEqualTo(r.gc().collections(2)).isGreaterThan(1);
        String why = " in window 'req', but 1 window mark could not be followed (1 ending window 'req' on a thread where"
                + " it was not open (an end closes a window only on the thread that opened it, so it stayed open there)),"
                + " so the counts of every window are in doubt.";
        assertThatThrownBy(() -> assertThat(r).window("req").imports().containsNone("colorsys"))
                .isExactlyInstanceOf(InconclusiveBudgetError.class)
                .hasMessage("Expected no import of 'colorsys'" + why);
        assertThatThrownBy(() -> assertThat(r).window("req").gc().hasNoCollections(2))
                .isExactlyInstanceOf(InconclusiveBudgetError.class)
                .hasMessage("Expected no gen-2 collections" + why);
        // The whole run is exact.
        assertThat(r).gc().hasCollectionsAtMost(2, r.gc().collections(2));
        // The reports say it, and the JSON keeps it through a round trip (the container path reads it so).
        Assertions.assertThat(TextReport.render(r)).contains("== window 'req' (1 end mark on a thread where it was not"
                + " open: it stayed open where it was opened)");
        Assertions.assertThat(JsonReport.toJson(r).path("losses").path("windowUnbalanced").asLong()).isEqualTo(1);
        Recording parsed = JsonReport.parse(JsonReport.toString(r));
        Assertions.assertThat(parsed.window("req").orElseThrow().unfollowedEnds()).isEqualTo(1);
        Assertions.assertThat(parsed.losses()).isEqualTo(r.losses());
    }

    /** Case 3: a collection that starts and never ends (os._exit in a finaliser): pause budgets are inconclusive. */
    @Test
    void a_collection_that_never_ends_should_make_pause_budgets_inconclusive() throws Exception {
        Run run = trace("unended_gc");
        Recording r = run.recording();

        Assertions.assertThat(r.gc().collections(2)).as("gen-2 collections: one ended, one never did").isEqualTo(2);
        Assertions.assertThat(r.gc().pauseNanos().count()).isEqualTo(r.gc().totalCollections() - 1);
        assertThatThrownBy(() -> assertThat(r).gc().hasMaxPauseBelow(Duration.ofMillis(100)))
                .isExactlyInstanceOf(InconclusiveBudgetError.class)
                .hasMessage("Expected no collection pause of 100.0 ms or more, but 1 collection of " + r.gc().totalCollections()
                        + " started and never ended (the process exited or was stopped inside it, or it still ran when the"
                        + " counters were read), so pauses are missing from the statistics.");
        assertThatThrownBy(() -> assertThat(r).gc().hasCollectedAtMost(1_000_000))
                .isExactlyInstanceOf(InconclusiveBudgetError.class);
        // Collections are counted at their start: exact.
        assertThat(r).gc().hasCollectionsAtMost(2, 2);
    }

    /** Case 3: the workload stopped at its timeout inside a collection: the same, pause budgets inconclusive. */
    @Test
    void a_collection_cut_short_by_the_timeout_should_make_pause_budgets_inconclusive() throws Exception {
        Recording r;
        try (LocalRuns.Run run = LocalRuns.start(tmp, LocalRuns.options().withTimeout(Duration.ofSeconds(2)),
                "reliability/window_holes.py", "stuck_gc")) {
            r = run.trace().finish();
            Assertions.assertThat(run.out()).as("the collection started").contains("collecting");
        }
        Assertions.assertThat(r.exitStatus()).as("stopped by SIGTERM").contains(143);
        Assertions.assertThat(r.gc().pauseNanos().count()).isEqualTo(r.gc().totalCollections() - 1);
        assertThatThrownBy(() -> assertThat(r).gc().hasMaxPauseBelow(Duration.ofSeconds(1)))
                .isExactlyInstanceOf(InconclusiveBudgetError.class)
                .hasMessageContaining("started and never ended (the process exited or was stopped inside it");
        assertThatThrownBy(() -> assertThat(r).gc().hasP99PauseBelow(Duration.ofSeconds(1)))
                .isExactlyInstanceOf(InconclusiveBudgetError.class);
    }

    /** Case 4: a thread given a dead thread's id starts with no window: its import is not in the dead one's window. */
    @Test
    void a_reused_thread_id_should_not_inherit_a_dead_threads_window() throws Exception {
        Run run = trace("tid_reuse");
        Assertions.assertThat(run.facts().path("reused").asLong()).as("the kernel gave the new thread the dead one's id"
                + " (%s)", run.facts()).isEqualTo(run.facts().path("stale").asLong());

        Assertions.assertThat(run.recording().losses()).isEqualTo(Losses.NONE);
        assertThat(run.recording()).window("stale").imports().containsNone("colorsys").hasCountAtMost(0);
        assertThatThrownBy(() -> assertThat(run.recording()).imports().containsNone("colorsys"))
                .isExactlyInstanceOf(AssertionError.class);
    }

    /** Case 5: a window opened from Java and marked from Python with one name is one window: each event once. */
    @Test
    void a_java_and_a_python_window_of_one_name_should_count_each_event_once() throws Exception {
        String script = """
                import gc, os, sys, time
                gc.disable()
                print("ready", flush=True)
                while not os.path.exists("GO"):
                    time.sleep(0.002)
                sys.audit("pybudget.begin", "both")
                gc.collect()
                import colorsys
                sys.audit("pybudget.end", "both")
                print("done", flush=True)
                while not os.path.exists("EXIT"):
                    time.sleep(0.002)
                """;
        Files.writeString(tmp.resolve("both.py"), script);
        Path out = tmp.resolve("both.out");
        ProcessBuilder workload = new ProcessBuilder(Pythons.debian().toString(), "both.py").directory(tmp.toFile())
                .redirectOutput(out.toFile()).redirectError(tmp.resolve("both.err").toFile());
        Recording r;
        try (Trace trace = Tracer.start(workload, LocalRuns.options())) {
            awaitLine(out, "ready");
            try (JavaWindow ignored = trace.openWindow("both")) {
                Files.createFile(tmp.resolve("GO"));
                awaitLine(out, "done");
            }
            Files.createFile(tmp.resolve("EXIT"));
            r = trace.finish();
        }
        Assertions.assertThat(r.windows()).extracting(Window::name).containsExactly("both");
        Sections both = r.window("both").orElseThrow().sections();
        Assertions.assertThat(both.gc().collections()).containsExactly(0L, 0L, 1L);
        Assertions.assertThat(both.importCount()).isEqualTo(1);
        Assertions.assertThat(both.allImports()).extracting(i -> i.module()).containsExactly("colorsys");
        assertThat(r).window("both").gc().hasCollectionsAtMost(2, 1);
        assertThatThrownBy(() -> assertThat(r).window("both").gc().hasNoCollections(2))
                .isExactlyInstanceOf(AssertionError.class)
                .hasMessageStartingWith("Expected no gen-2 collections in window 'both', but there was 1:");
    }

    /** Case 6: an end given as a StrEnum member equal to the name (a str subclass) closes the window. */
    @Test
    void an_end_named_by_a_str_subclass_should_close_the_window() throws Exception {
        Run run = trace("strenum_end");
        Assertions.assertThat(run.facts().path("member_is_str").asBoolean()).isTrue();

        Assertions.assertThat(run.recording().losses()).isEqualTo(Losses.NONE);
        assertThat(run.recording()).window("req").imports().containsNone("shlex").hasCountAtMost(1);
        assertThatThrownBy(() -> assertThat(run.recording()).window("req").imports().containsNone("colorsys"))
                .isExactlyInstanceOf(AssertionError.class);
    }

    /** Cases 6 and 7: names that are not str (bytes, float) make no window and are counted: window budgets inconclusive. */
    @Test
    void marks_whose_name_is_not_a_str_should_make_window_budgets_inconclusive() throws Exception {
        Run run = trace("bad_names");
        Recording r = run.recording();

        Assertions.assertThat(r.losses()).as("two begins and two ends").isEqualTo(Losses.NONE.with(Loss.WINDOW_NAMES, 4));
        Assertions.assertThat(r.windows()).extracting(Window::name).containsExactly("ok");
        assertThatThrownBy(() -> assertThat(r).window("ok").imports().hasCountAtMost(5))
                .isExactlyInstanceOf(InconclusiveBudgetError.class)
                .hasMessage("Expected at most 5 imports in window 'ok', but 4 window marks could not be followed (4 with a"
                        + " name that is not a readable str), so the counts of every window are in doubt.");
    }

    /**
     * Pause times against an independent clock: each collection's finaliser sleeps, and gc.callbacks time it with
     * time.perf_counter_ns (CLOCK_MONOTONIC, as the kernel's). The callbacks run just outside gc__start and gc__done,
     * so the kernel's pause lies between the sleep and the callbacks' interval.
     */
    @Test
    void pauses_should_lie_between_the_finalisers_sleep_and_the_interval_gc_callbacks_measured() throws Exception {
        Run run = trace("timed_pauses");
        JsonNode callbackNanos = run.facts().path("callbackNanos");
        int[] sleeps = {20, 40, 80};
        for (int i = 0; i < sleeps.length; i++) {
            Sections w = run.window("pause-" + sleeps[i]);
            long pause = w.gc().pauseNanos().max();
            long callbacks = callbackNanos.get(i).asLong();
            System.out.printf("pause-%d: kernel %d ns, gc.callbacks %d ns, difference %d ns%n", sleeps[i], pause,
                    callbacks, callbacks - pause);
            Assertions.assertThat(w.gc().pauseNanos().count()).isEqualTo(1);
            Assertions.assertThat(w.gc().pauseNanos().totalNanos()).isEqualTo(pause);
            Assertions.assertThat(pause).as("pause-%d: at least the sleep", sleeps[i])
                    .isGreaterThanOrEqualTo(Duration.ofMillis(sleeps[i]).toNanos());
            Assertions.assertThat(pause).as("pause-%d: within the callbacks' interval, at most 2 ms shorter", sleeps[i])
                    .isLessThanOrEqualTo(callbacks).isGreaterThanOrEqualTo(callbacks - Duration.ofMillis(2).toNanos());
        }
        assertThat(run.recording()).window("pause-80").gc().hasMaxPauseBelow(Duration.ofNanos(callbackNanos.get(2).asLong() + 1));
        assertThatThrownBy(() -> assertThat(run.recording()).window("pause-80").gc().hasMaxPauseBelow(Duration.ofMillis(80)))
                .isExactlyInstanceOf(AssertionError.class);
    }

    private static void awaitLine(Path out, String line) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!Files.readString(out).contains(line)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the workload never printed '" + line + "'");
            }
            Thread.sleep(5);
        }
    }
}

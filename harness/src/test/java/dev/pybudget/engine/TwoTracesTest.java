package dev.pybudget.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pybudget.elf.PythonBinary;
import dev.pybudget.support.Attachments.Bystander;
import dev.pybudget.recording.Losses;
import dev.pybudget.recording.Recording;
import dev.pybudget.recording.Sections;
import dev.pybudget.recording.Window;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import dev.pybudget.support.RecordedCounts;
import dev.pybudget.support.Pythons;
import dev.pybudget.support.PythonFixtures;
import dev.pybudget.support.Oracle;
import dev.pybudget.support.LocalRuns;
import dev.pybudget.support.CountComparisons;
import dev.pybudget.support.Attachments;

/** Two traces in one JVM, at the same time, on two processes of the same CPython binary. */
class TwoTracesTest {

    /**
     * Runs a fixture as __main__ once the file GO exists, so that the test decides when both
     * workloads are alive (for reading their semaphores) and when they run (at the same time).
     */
    static final String GATED = """
            import os, runpy, sys, time
            go, script = sys.argv[1], sys.argv[2]
            while not os.path.exists(go):
                time.sleep(0.005)
            sys.argv = sys.argv[2:]
            sys.path.insert(0, os.path.dirname(script))
            runpy.run_path(script, run_name="__main__")
            """;

    @TempDir
    Path tmp;

    @Test
    void should_keep_two_traces_apart_in_their_counts_their_windows_and_their_semaphores() throws Exception {
        PythonBinary python = Attachments.debianPython();
        Path gated = Files.writeString(tmp.resolve("gated.py"), GATED);
        Path go = tmp.resolve("go");
        List<String> fdsBefore = Attachments.traceFds();

        try (Bystander bystander = Bystander.start();
             Trace a = Tracer.start(gatedWorkload(gated, go, "a", "gc_churn.py", "300"),
                     LocalRuns.options().withCallPattern("*/gc_churn.py:*"));
             Trace b = Tracer.start(gatedWorkload(gated, go, "b", "threads_gc.py", "300"), LocalRuns.options())) {

            // Both wait for GO: each process carries its own trace's probes only, the bystander none.
            Attachments.awaitExec(a.pid(), python);
            Attachments.awaitExec(b.pid(), python);
            Map<String, Integer> semA = Attachments.semaphores(a.pid(), python);
            Map<String, Integer> semB = Attachments.semaphores(b.pid(), python);
            assertThat(a.isRunning() && b.isRunning()).as("both workloads alive while their semaphores were read").isTrue();
            assertThat(semA).as("semaphores of A (calls counted)").isEqualTo(Map.of("audit", 1, "gc__start", 1,
                    "gc__done", 1, "import__find__load__start", 1, "import__find__load__done", 1,
                    "function__entry", 0, "function__return", 1, "line", 0));
            assertThat(semB).as("semaphores of B (no calls: A's function__return probe is not B's)").isEqualTo(
                    Map.of("audit", 1, "gc__start", 1, "gc__done", 1, "import__find__load__start", 1,
                            "import__find__load__done", 1, "function__entry", 0, "function__return", 0, "line", 0));
            bystander.assertNothingAttached();
            assertThat(Attachments.traceFds()).as("the traces hold BPF fds while they run").hasSizeGreaterThan(fdsBefore.size());

            Files.writeString(go, "go");
            Recording ra = a.finish();
            Recording rb = b.finish();

            Oracle oa = oracle("a");
            Oracle ob = oracle("b");
            assertThat(ra.exitStatus()).contains(0);
            assertThat(rb.exitStatus()).contains(0);
            CountComparisons.assertSameGc("A, whole run", ra.gc(), oa.gcStats());
            CountComparisons.assertSameGc("B, whole run", rb.gc(), ob.gcStats());
            CountComparisons.assertSameGc("A, window 'work'", ra.window("work").orElseThrow().sections().gc(),
                    oa.window("work").path("gc"));
            for (String name : ob.windowNames()) { // B counts no calls: gc, audit and imports per window
                Sections window = rb.window(name).orElseThrow().sections();
                CountComparisons.assertSameGc("B, window '" + name + "'", window.gc(), ob.window(name).path("gc"));
                assertThat(RecordedCounts.audit(window)).as("B, window '%s': audit", name)
                        .isEqualTo(Oracle.counts(ob.window(name), "audit"));
                assertThat(RecordedCounts.importSet(window)).as("B, window '%s': imports", name)
                        .isEqualTo(Oracle.imports(ob.window(name)));
            }
            assertThat(RecordedCounts.audit(ra.window("work").orElseThrow().sections())).as("A, window 'work': audit")
                    .isEqualTo(Oracle.counts(oa.window("work"), "audit"));
            assertThat(ra.windows()).extracting(Window::name).containsExactly("work");
            assertThat(rb.windows()).extracting(Window::name).containsExactlyInAnyOrderElementsOf(ob.windowNames())
                    .doesNotContain("work");
            assertThat(RecordedCounts.calls(ra.whole())).isEqualTo(Oracle.counts(oa.whole(), "rawCalls"));
            assertThat(rb.calls()).isEmpty();
            assertThat(RecordedCounts.importSet(rb.whole())).contains("runpy").doesNotContain("gc_churn");
            assertThat(ra.losses()).isEqualTo(Losses.NONE);
            assertThat(rb.losses()).isEqualTo(Losses.NONE);
            bystander.assertNothingAttached();
        }
        assertThat(Attachments.traceFds()).as("nothing left open once both traces ended").isEqualTo(fdsBefore);
    }

    private ProcessBuilder gatedWorkload(Path gated, Path go, String name, String fixture, String... args) {
        List<String> command = new ArrayList<>(List.of(Pythons.debian().toString(), gated.toString(),
                go.toString(), PythonFixtures.workload(fixture).toString()));
        command.addAll(List.of(args));
        ProcessBuilder workload = new ProcessBuilder(command).directory(tmp.toFile())
                .redirectOutput(tmp.resolve(name + ".out").toFile()).redirectError(tmp.resolve(name + ".err").toFile());
        workload.environment().put("PYBUDGET_ORACLE", tmp.resolve(name + ".json").toString());
        return workload;
    }

    private Oracle oracle(String name) throws Exception {
        assertThat(tmp.resolve(name + ".json")).as("oracle of %s; stderr: %s", name,
                Files.readString(tmp.resolve(name + ".err"))).exists();
        return new Oracle(new ObjectMapper().readTree(tmp.resolve(name + ".json").toFile()));
    }
}

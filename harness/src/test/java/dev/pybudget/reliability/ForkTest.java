package dev.pybudget.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pybudget.elf.PythonBinary;
import dev.pybudget.elf.Semaphores;
import dev.pybudget.elf.UsdtProbe;
import dev.pybudget.engine.JavaWindow;
import dev.pybudget.recording.ImportNode;
import dev.pybudget.recording.Recording;
import dev.pybudget.recording.Sections;
import dev.pybudget.recording.Window;
import dev.pybudget.report.TextReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import dev.pybudget.support.RecordedCounts;
import dev.pybudget.support.Pythons;
import dev.pybudget.support.Oracle;
import dev.pybudget.support.LocalRuns;
import dev.pybudget.support.CountComparisons;

/**
 * fork_child.py: the workload forks a Python and runs another through subprocess, both doing
 * imports, collections and audit events. Only the workload's own process is traced: the children
 * add nothing to its counts (which equal its oracle's), and its audit events os.fork and
 * subprocess.Popen say that it had children nobody followed. Then the probe semaphores: raised in
 * the traced process while attached, never in its forked child, and back to 0 once the trace ends
 * while the process lives on.
 */
class ForkTest {

    static final List<String> CHILD_MODULES = List.of("csv", "statistics", "fractions", "decimal", "email.message");

    @TempDir
    Path tmp;

    @Test
    void should_count_only_the_traced_process_and_report_its_children_as_not_followed() throws Exception {
        Path oracleFile = tmp.resolve("oracle.json");
        Recording r;
        try (LocalRuns.Run run = LocalRuns.start(tmp, LocalRuns.options().withCallPattern("*:*").withStreamAudit(true),
                Map.of("PYBUDGET_ORACLE", oracleFile.toString()), "reliability/fork_child.py")) {
            r = run.trace().finish();
            assertThat(r.exitStatus()).as("stderr: %s", run.err()).contains(0);
            assertThat(run.out()).contains("forked child");
        }
        Oracle oracle = Oracle.read(oracleFile);

        Sections spawn = r.window("spawn").map(Window::sections).orElseThrow();
        CountComparisons.assertSameWindow("spawn", spawn, oracle.window("spawn"));
        assertThat(spawn.gc().collections()).containsExactly(0L, 2L, 0L);
        assertThat(spawn.allImports()).extracting(ImportNode::module).containsExactly("colorsys");
        assertThat(r.windows()).extracting(Window::name).as("the children's window 'child'").containsExactly("spawn");
        assertThat(r.whole().auditCount("child.tick")).as("the children's audit events").isZero();
        assertThat(r.whole().auditEvents()).extracting(e -> e.event()).doesNotContain("child.tick");
        assertThat(r.whole().allImports()).extracting(ImportNode::module).doesNotContainAnyElementsOf(CHILD_MODULES);
        CountComparisons.assertSameGc("whole run (gc.get_stats)", r.gc(), oracle.root().path("gcStats"));
        assertThat(RecordedCounts.calls(r.whole()).keySet()).as("calls in the children's modules")
                .noneMatch(k -> k.matches(".*/(csv|statistics|fractions|decimal|_pydecimal|email/message)\\.py:.*"));

        assertThat(spawn.auditCount("os.fork")).isEqualTo(1);
        assertThat(spawn.auditCount("subprocess.Popen")).isEqualTo(1);
        assertThat(TextReport.render(r)).contains("child processes, not followed (only pid " + r.python().pid()
                + " is traced): os.fork 1, subprocess.Popen 1");
    }

    @Test
    void should_lower_every_probe_semaphore_to_zero_when_the_trace_ends_and_the_process_lives_on() throws Exception {
        PythonBinary python = PythonBinary.inspect(Pythons.debian());
        Path go = tmp.resolve("go");
        try (LocalRuns.Run run = LocalRuns.start(tmp, LocalRuns.options().withCallPattern("*:*").withStreamAudit(true),
                "reliability/fork_child.py", "--hold=" + go)) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!run.out().contains("parent done") || !run.out().contains("forked child")) {
                assertThat(System.nanoTime()).as("fork_child.py got to its hold; stderr: %s", run.err()).isLessThan(deadline);
                Thread.sleep(20);
            }
            long parent = run.trace().pid();
            long child = run.out().lines().filter(l -> l.startsWith("forked child")).map(l -> Long.parseLong(l.split(" ")[2]))
                    .findFirst().orElseThrow();
            try (JavaWindow ignored = run.trace().openWindow("java")) {
                run.trace().snapshot();
            }

            Map<String, Integer> attached = semaphores(parent, python);
            Map<String, Integer> forked = semaphores(child, python);
            Recording detached = run.trace().detach();
            Map<String, Integer> after = semaphores(parent, python);
            Map<String, Integer> forkedAfter = semaphores(child, python);
            System.out.printf("semaphores of the traced python while attached %s, after the trace ended %s;"
                    + " of its forked child %s, then %s%n", attached, after, forked, forkedAfter);

            assertThat(attached).as("attached: the probes asked for").containsEntry("audit", 1).containsEntry("gc__start", 1)
                    .containsEntry("gc__done", 1).containsEntry("import__find__load__start", 1)
                    .containsEntry("import__find__load__done", 1).containsEntry("function__return", 1)
                    .containsEntry("function__entry", 0).containsEntry("line", 0);
            assertThat(forked.values()).as("the forked child was never attached").containsOnly(0);
            assertThat(run.trace().isRunning()).as("the traced process lives on").isTrue();
            assertThat(after.values()).as("after the trace ended").containsOnly(0);
            assertThat(forkedAfter.values()).containsOnly(0);
            assertThat(detached.exitStatus()).isEmpty();
            assertThat(detached.window("java")).isPresent();

            Files.writeString(go, "");
            assertThat(ProcessHandle.of(parent).orElseThrow().onExit().get(30, TimeUnit.SECONDS).isAlive()).isFalse();
        }
    }

    static Map<String, Integer> semaphores(long pid, PythonBinary python) throws Exception {
        Map<String, Integer> values = new TreeMap<>();
        for (UsdtProbe probe : python.probes()) {
            if (probe.semaphore() != 0) {
                values.put(probe.name(), Semaphores.read(pid, python.probeBinary(), probe));
            }
        }
        assertThat(values).as("python3.11's probes with a semaphore").isNotEmpty();
        return values;
    }
}

package dev.pybudget.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pybudget.elf.PythonBinary;
import dev.pybudget.recording.Losses;
import dev.pybudget.support.Attachments;
import dev.pybudget.support.CountComparisons;
import dev.pybudget.support.LocalRuns;
import dev.pybudget.support.Oracle;
import dev.pybudget.support.OracleRun;
import dev.pybudget.support.Pythons;
import dev.pybudget.support.RecordedCounts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Multi-uprobe links (this kernel has them): one link per program instead of one perf-event uprobe per site,
 * the same counts, the same semaphores; and the per-site way (kernels without them) still exact.
 */
class MultiUprobeTest {

    @TempDir
    Path tmp;

    private static final Map<String, Integer> BASE_ATTACHED = Map.of("audit", 1, "gc__start", 1, "gc__done", 1,
            "import__find__load__start", 1, "import__find__load__done", 1, "function__entry", 0, "function__return", 0,
            "line", 0);

    @Test
    void should_attach_each_probe_with_one_link_raise_its_semaphore_and_lower_it_when_detached() throws Exception {
        assertThat(UprobeMulti.unsupportedReason()).as("this kernel (6.18) has multi-uprobe links").isEmpty();
        Map<String, Integer> per = attachedAndDetached();
        assertThat(per).as("fds by kind while attached: five probes, five links and window_thread_exit's, no perf event")
                .isEqualTo(Map.of("bpf_link", 6, "perf_event", 0));
    }

    @Test
    void should_attach_one_uprobe_per_site_when_turned_off_with_the_same_semaphores() throws Exception {
        System.setProperty(UprobeMulti.OFF_PROPERTY, "true");
        try {
            Tracer.awaitDetached(); // objects loaded ahead for multi links are freed: this start loads its own
            Map<String, Integer> per = attachedAndDetached();
            assertThat(per).as("fds by kind while attached: a perf event per site, libbpf's links on them")
                    .containsEntry("perf_event", 5);
        } finally {
            System.clearProperty(UprobeMulti.OFF_PROPERTY);
            Tracer.awaitDetached();
        }
    }

    @Test
    void should_count_exactly_with_one_uprobe_per_site_too() throws Exception {
        System.setProperty(UprobeMulti.OFF_PROPERTY, "true");
        try {
            Tracer.awaitDetached();
            OracleRun run = LocalRuns.traceWithOracle(tmp, LocalRuns.options(), "gc_churn.py", "250");
            CountComparisons.assertSameGc("whole run", run.recording().gc(), run.oracle().gcStats());
            CountComparisons.assertSameGc("window 'work'", run.window("work").gc(), run.oracle().window("work").path("gc"));
            assertThat(RecordedCounts.audit(run.window("work"))).isEqualTo(Oracle.counts(run.oracle().window("work"), "audit"));
            assertThat(run.recording().losses()).isEqualTo(Losses.NONE);
        } finally {
            System.clearProperty(UprobeMulti.OFF_PROPERTY);
            Tracer.awaitDetached();
        }
    }

    @Test
    void should_leave_no_link_or_program_once_warming_up_has_stopped() throws Exception {
        List<String> before = Attachments.traceFds();
        try (UprobeMulti.Warm warm = UprobeMulti.warmUp(Pythons.debian().toString())) {
            Thread.sleep(40); // the first link's wait for the kernel, and links made every few milliseconds
            assertThat(Attachments.heldFds()).as("while warming: its program, and its newest link until its detach")
                    .anyMatch(fd -> fd.endsWith("anon_inode:bpf-prog"));
        }
        assertThat(Attachments.traceFds()).as("after awaitDetached(): nothing of the warming left").isEqualTo(before);
    }

    /** Traces a Python that waits for a file: the trace's fds by kind and the semaphores while attached, then detached. */
    private Map<String, Integer> attachedAndDetached() throws Exception {
        PythonBinary python = Attachments.debianPython();
        Path go = tmp.resolve("go");
        Path script = Files.writeString(tmp.resolve("wait.py"), "import os, sys, time\nprint('ready', flush=True)\n"
                + "while not os.path.exists(sys.argv[1]):\n    time.sleep(0.005)\n");
        List<String> before = Attachments.traceFds();
        ProcessBuilder workload = new ProcessBuilder(Pythons.debian().toString(), script.toString(), go.toString())
                .directory(tmp.toFile()).redirectOutput(tmp.resolve("out").toFile()).redirectError(tmp.resolve("err").toFile());
        Map<String, Integer> kinds;
        try (Trace trace = Tracer.start(workload, LocalRuns.options())) {
            // Released: the shell execs CPython, which maps itself; its first line says it runs.
            for (long until = System.nanoTime() + 30_000_000_000L; !Files.readString(tmp.resolve("out")).contains("ready"); ) {
                assertThat(System.nanoTime() - until).as("the workload started; stderr: %s",
                        Files.readString(tmp.resolve("err"))).isNegative();
                Thread.sleep(5);
            }
            List<String> held = Attachments.heldFds();
            kinds = Map.of("bpf_link", count(held, "bpf_link") - count(before, "bpf_link"),
                    "perf_event", count(held, "[perf_event]") - count(before, "[perf_event]"));
            assertThat(Attachments.semaphores(trace.pid(), python)).as("while attached").isEqualTo(BASE_ATTACHED);
            trace.detach();
            assertThat(trace.isRunning()).as("the workload lives on").isTrue();
            assertThat(Attachments.semaphores(trace.pid(), python).values()).as("once detached").containsOnly(0);
            Files.writeString(go, "");
        }
        assertThat(Attachments.traceFds()).as("nothing left open").isEqualTo(before);
        return kinds;
    }

    private static int count(List<String> fds, String kind) {
        return (int) fds.stream().filter(fd -> fd.endsWith(kind)).count();
    }
}

package dev.pybudget.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pybudget.recording.KernelStats;
import dev.pybudget.recording.Recording;
import dev.pybudget.recording.Window;
import dev.pybudget.report.JsonReport;
import dev.pybudget.report.TextReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import dev.pybudget.support.Pythons;
import dev.pybudget.support.LocalRuns;

/**
 * A window opened from Java holds the kernel context of every thread of the workload between its two
 * instants; the whole run holds everything; the JSON report carries it and reads it back unchanged.
 */
class KernelContextJavaWindowTest {

    static final int MAIN_CALLS = 300;
    static final int WORKER_CALLS = 200;

    /** Waits for GO (polling with stat and sleep, no getppid), then getppid on two threads, then DONE; exits on EXIT. */
    static final String DRIVEN = """
            import os, sys, threading, time
            d = sys.argv[1]
            def wait_for(name):
                while not os.path.exists(os.path.join(d, name)):
                    time.sleep(0.005)
            def calls(n):
                for _ in range(n):
                    os.getppid()
            wait_for("GO")
            worker = threading.Thread(target=calls, args=(%d,))
            worker.start()
            calls(%d)
            worker.join()
            open(os.path.join(d, "DONE"), "w").close()
            wait_for("EXIT")
            """.formatted(WORKER_CALLS, MAIN_CALLS);

    @TempDir
    Path tmp;

    @Test
    void should_hold_every_thread_s_syscalls_in_a_java_window_and_keep_them_in_the_json_report() throws Exception {
        Path script = tmp.resolve("driven.py");
        Files.writeString(script, DRIVEN);
        Recording recording;
        Recording before;
        Recording after;
        try (Trace trace = Tracer.start(new ProcessBuilder(Pythons.debian().toString(), script.toString(), tmp.toString())
                .redirectErrorStream(true).redirectOutput(tmp.resolve("out.txt").toFile()),
                LocalRuns.options().withKernelContext(true))) {
            before = trace.snapshot();
            try (WindowHandle window = trace.openWindow("driven")) {
                Files.createFile(tmp.resolve("GO"));
                Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
                while (!Files.exists(tmp.resolve("DONE")) && Instant.now().isBefore(deadline)) {
                    Thread.sleep(5);
                }
            }
            after = trace.snapshot();
            Files.createFile(tmp.resolve("EXIT"));
            recording = trace.finish();
        }
        assertThat(recording.exitStatus()).as(Files.readString(tmp.resolve("out.txt"))).contains(0);
        KernelStats window = recording.window("driven").map(Window::sections).orElseThrow().kernel().orElseThrow();
        assertThat(window.syscalls("getppid")).as("getppid of both threads").isEqualTo(MAIN_CALLS + WORKER_CALLS);
        KernelStats whole = recording.whole().kernel().orElseThrow();
        assertThat(whole.syscalls("getppid")).isEqualTo(MAIN_CALLS + WORKER_CALLS);
        assertThat(whole.syscalls()).isGreaterThan(window.syscalls());
        assertThat(whole.minorFaults()).as("start-up faults the interpreter in").isPositive();
        assertThat(whole.offCpuBlockedNanos()).as("the polling sleeps").isPositive();

        assertThat(after.since(before).whole().kernel().orElseThrow().syscalls("getppid")).as("since: a difference")
                .isEqualTo(MAIN_CALLS + WORKER_CALLS);
        assertThat(after.since(before).window("driven")).isPresent();
        assertThat(TextReport.render(recording)).contains("Kernel: off-CPU ").contains("== window 'driven'")
                .contains("getppid " + (MAIN_CALLS + WORKER_CALLS));

        Recording read = JsonReport.parse(JsonReport.toString(recording));
        assertThat(read.whole().kernel()).isEqualTo(recording.whole().kernel());
        assertThat(read.window("driven").orElseThrow().sections().kernel()).contains(window);
        assertThat(JsonReport.toJson(recording).path("kernel").path("syscallsByName").get(0).path("name").isTextual()).isTrue();
    }

    /** A forked child inherits the page-fault events; neither its faults nor its syscalls are the workload's. */
    static final String FORKS = """
            import mmap, os
            pid = os.fork()
            if pid == 0:
                for _ in range(1000):
                    os.getppid()
                m = mmap.mmap(-1, 64 << 20)
                for offset in range(0, len(m), mmap.PAGESIZE):
                    m[offset] = 1
                os._exit(0)
            os.waitpid(pid, 0)
            for _ in range(7):
                os.getppid()
            """;

    @Test
    void should_count_nothing_of_a_forked_child() throws Exception {
        Path script = tmp.resolve("forks.py");
        Files.writeString(script, FORKS);
        Recording recording;
        try (Trace trace = Tracer.start(new ProcessBuilder(Pythons.debian().toString(), script.toString()),
                LocalRuns.options().withKernelContext(true))) {
            recording = trace.finish();
        }
        assertThat(recording.exitStatus()).contains(0);
        KernelStats whole = recording.whole().kernel().orElseThrow();
        assertThat(whole.syscalls("getppid")).as("the parent's own").isEqualTo(7);
        // The child touched 16384 pages (or 32 huge pages); the parent's start-up alone faults fewer than that.
        assertThat(whole.minorFaults()).as("faults of the parent only").isLessThan(16384);
        assertThat(whole.syscalls("wait4")).isEqualTo(1);
    }
}

package dev.pybudget.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pybudget.support.Attachments;
import dev.pybudget.support.Pythons;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A start loads its BPF objects side by side, on threads of their own, while it starts the gated workload: a load that
 * fails on any of those threads frees every object (and the shared maps), and the workload never runs.
 */
class ParallelLoadTest {

    @TempDir
    Path tmp;

    @Test
    void should_free_every_object_and_stop_the_workload_when_one_load_fails_on_its_thread() throws Exception {
        List<String> before = Attachments.traceFds();
        Path ran = tmp.resolve("ran");
        // calls.bpf.o loads beside audit, gc and imports; a calls map of 2^31-1 entries is more than the kernel
        // makes (E2BIG), which only its load finds out.
        TraceOptions options = TraceOptions.defaults().withCallPattern("*:*").withCallCounting(CallCounting.USDT)
                .withCallsMapEntries(Integer.MAX_VALUE);
        ProcessBuilder workload = new ProcessBuilder(Pythons.debian().toString(), "-c",
                "open('" + ran + "', 'w').close()").directory(tmp.toFile());

        assertThatThrownBy(() -> Tracer.start(workload, options)).isInstanceOf(TraceException.class)
                .hasMessageStartingWith("The kernel refused the BPF object calls.bpf.o (");

        assertThat(Attachments.traceFds()).as("BPF fds of this JVM: every object and shared map freed").isEqualTo(before);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (ProcessHandle.current().children().anyMatch(p -> p.info().command().orElse("").endsWith("sh"))
                && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(ProcessHandle.current().children().filter(p -> p.info().command().orElse("").endsWith("sh")))
                .as("the gated workload is gone").isEmpty();
        assertThat(ran).as("the workload never ran").doesNotExist();
    }
}

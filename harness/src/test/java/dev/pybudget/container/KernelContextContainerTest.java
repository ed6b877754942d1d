package dev.pybudget.container;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pybudget.recording.KernelStats;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import dev.pybudget.support.OracleRun;
import dev.pybudget.support.ContainerRuns;
import dev.pybudget.support.PythonFixtures;

/**
 * The kernel context recorded by the agent inside a least-privilege container, where the agent sees the
 * workload's pid in the container's pid namespace and the tracepoints see host pids: the same oracle as on
 * the host (python-fixtures/workloads/kernel_context.py), on both images; asked for by name, {@code withFamily("kernel")}
 * (the agent's {@code --family kernel}).
 */
class KernelContextContainerTest {

    static java.util.stream.Stream<PythonImage> images() {
        return ContainerRuns.images();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("images")
    void should_count_the_workload_s_switches_faults_and_syscalls_in_a_container(PythonImage image) {
        OracleRun run = ContainerRuns.runToExit(new PythonWorkloadContainer(image).withFixture(PythonFixtures.WORKLOADS.toString())
                .withFamily("kernel").withCommand("python3", "kernel_context.py", ContainerRuns.ORACLE, "50", "20", "5"));

        for (String name : List.of("stat", "fault", "major", "sleep")) {
            KernelStats k = run.window(name).kernel().orElseThrow();
            JsonNode inner = run.oracle().root().path("windows").path(name).path("inner");
            JsonNode outer = run.oracle().root().path("windows").path(name).path("outer");
            assertThat(k.voluntarySwitches()).as("voluntary switches in %s", name)
                    .isBetween(inner.path("nvcsw").asLong(), outer.path("nvcsw").asLong());
            assertThat(k.involuntarySwitches()).as("involuntary switches in %s", name)
                    .isBetween(inner.path("nivcsw").asLong(), outer.path("nivcsw").asLong());
            assertThat(k.minorFaults()).as("minor faults in %s", name)
                    .isBetween(inner.path("minflt").asLong(), outer.path("minflt").asLong());
            assertThat(k.majorFaults()).as("major faults in %s", name)
                    .isBetween(inner.path("majflt").asLong(), outer.path("majflt").asLong());
        }
        KernelStats stat = run.window("stat").kernel().orElseThrow();
        assertThat(stat.syscalls("getppid")).isEqualTo(50);
        assertThat(stat.syscalls("newfstatat") + stat.syscalls("statx")).isEqualTo(20);
        // Five sleeps of 20 ms, all of them off-CPU: a switch-in the scheduler tracepoint did not deliver is
        // measured at the thread's next switch-out (offCpuRecovered), so none is missing; none is left unmatched.
        KernelStats sleep = run.window("sleep").kernel().orElseThrow();
        assertThat(sleep.offCpuBlockedNanos()).isGreaterThanOrEqualTo(5 * 20_000_000L);
        assertThat(sleep.offCpuUnmatched()).isZero();
        assertThat(sleep.offCpuIntervals()).isEqualTo(sleep.contextSwitches());
        assertThat(run.recording().whole().kernel().orElseThrow().syscalls("getppid"))
                .isEqualTo(50 + run.oracle().root().path("mainGetppid").asLong());
    }

    /** Said where the name is given, before any container starts: the same sentence as TraceOptions', trace's and the agent's. */
    @Test
    void should_refuse_an_unknown_family_where_it_is_named() {
        assertThatThrownBy(() -> new PythonWorkloadContainer(PythonImage.CPYTHON_3_11).withFamily("kernel").withFamily("gpu"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Unknown probe family 'gpu': the optional families are kernel and gil.");
    }
}

package dev.pybudget.container;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pybudget.recording.GilStats;
import dev.pybudget.recording.Loss;
import dev.pybudget.recording.PauseStats;
import dev.pybudget.support.ContainerRuns;
import dev.pybudget.support.OracleRun;
import dev.pybudget.support.PythonFixtures;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * GIL waits recorded by the agent in its own container: take_gil is found in the debug file of the
 * workload's image (pythonX.Y-dbg, under /proc/PID/root: the agent's image has no CPython), and the same
 * oracles as on the host hold (GilWaitsOracleTest): no contended acquisition with one thread; two spinning
 * threads wait at most once per switch interval each, each wait about an interval or more.
 */
class GilWaitsContainerTest {

    /** Every image pybudget builds: each installs its pythonX.Y-dbg. */
    static java.util.stream.Stream<PythonImage> images() {
        return java.util.stream.Stream.of(PythonImage.CPYTHON_3_11, PythonImage.CPYTHON_3_13, PythonImage.CPYTHON_3_14,
                PythonImage.CPYTHON_3_15);
    }

    static OracleRun run(PythonImage image, int threads) {
        return ContainerRuns.runToExit(new PythonWorkloadContainer(image).withFixture(PythonFixtures.WORKLOADS.toString()).withGilWaits(true)
                .withCommand("python3", "gil_contention.py", ContainerRuns.ORACLE, "" + threads, "1.0"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("images")
    void should_time_gil_waits_from_the_debug_file_in_the_workload_s_image(PythonImage image) {
        OracleRun single = run(image, 1);
        GilStats whole = GilStats.in(single.recording().whole()).orElseThrow();
        System.out.printf("%s single: %s; probes %s%n", image, GilStats.describe(whole), single.recording().probes());
        assertThat(single.recording().probes()).anyMatch(p -> p.matches("gil:symbol take_gil\\S* .*\\(the debug file"
                + " /proc/\\d+/root/usr/lib/debug/\\.build-id/.*\\.debug\\)"));
        assertThat(whole.waits().count()).as("acquisitions").isPositive();
        assertThat(whole.contended().count()).as("contended acquisitions with one thread").isZero();
        assertThat(single.recording().losses().get(Loss.GIL_UNPAIRED)).isZero();

        OracleRun two = run(image, 2);
        long interval = two.oracle().root().path("switchIntervalNanos").asLong();
        long wall = two.oracle().root().path("wallNanos").asLong();
        for (int i = 0; i < 2; i++) {
            PauseStats c = GilStats.in(two.window("spin-" + i)).orElseThrow().contended();
            System.out.printf("%s spin-%d: %s | oracle gaps %d%n", image, i, GilStats.describe(GilStats.in(two.window("spin-" + i)).orElseThrow()),
                    two.oracle().root().path("threads").path(i).path("gaps").asLong());
            assertThat(c.count()).as("contended waits of spin-%d", i).isPositive().isLessThanOrEqualTo(wall / interval + 1);
            assertThat(c.p50()).as("median contended wait of spin-%d", i).isGreaterThanOrEqualTo(interval / 2);
        }
        assertThat(two.recording().losses().get(Loss.GIL_UNPAIRED)).isZero();
    }
}

package dev.pybudget.container;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Printed, not asserted: how long a container takes from start() to the workload released (the image
 * built and cached), and what one record() window costs on a running container. Targets: 2 s and 10 ms.
 * Tagged "benchmark", which the default run excludes; run it with
 * {@code mvn -B -q -pl harness test -Dtest=ContainerBenchmarkTest -DexcludedGroups= -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@Tag("benchmark")
class ContainerBenchmarkTest {

    static final int STARTS = 5;
    static final int WINDOWS = 200;

    @Test
    void should_print_cold_start_and_record_window_costs() {
        ContainerCosts.Measured m = ContainerCosts.measure(STARTS, WINDOWS);
        long[] starts = m.starts(), windows = m.windows(), snapshots = m.snapshots();
        long[][] phases = m.phases();
        int snapshotBytes = m.snapshotBytes();

        List<String> rows = new ArrayList<>();
        rows.add(row("container start -> workload released (cached image)", starts, "2 s"));
        rows.add(row("  of it: the agent's container created and started", phases[0], ""));
        rows.add(row("  of it: create the workload's container", phases[1], ""));
        rows.add(row("  of it: docker start of the workload", phases[2], ""));
        rows.add(row("  of it: agent: find the gate, ELF, BPF load+attach, ready", phases[3], ""));
        rows.add(row("  of it: ready line seen, agent connected (hello)", phases[4], ""));
        rows.add(row("one record() window on a running container", windows, "10 ms"));
        rows.add(row("  of it: the open and close round trips (a window without readings)", m.plainWindows(), ""));
        rows.add(row("one snapshot()", snapshots, ""));
        System.out.printf(Locale.ROOT, "%n%-58s %5s %9s %9s %9s  %s%n", "pybudget container benchmark", "n", "median", "p90",
                "max", "target");
        rows.forEach(System.out::println);
        System.out.printf(Locale.ROOT, "snapshot JSON: %d bytes; load average: %s%n%n", snapshotBytes, loadAverage());
    }

    /** Notes when each phase of start() ends. */
    static final class Timed extends PythonWorkloadContainer {
        volatile long t0, agentRunning, created, starting, ready;

        Timed(PythonImage image) {
            super(image);
            withCommand("python3", "-c", "import time; time.sleep(600)");
        }

        @Override
        protected void configure() {
            super.configure(); // starts the agent's container
            agentRunning = System.nanoTime();
        }

        @Override
        protected void containerIsStarted(com.github.dockerjava.api.command.InspectContainerResponse info) {
            ready = System.nanoTime(); // the wait strategy saw the agent's ready line
            super.containerIsStarted(info);
        }

        @Override
        protected void containerIsCreated(String containerId) {
            created = System.nanoTime();
            super.containerIsCreated(containerId);
        }

        @Override
        protected void containerIsStarting(com.github.dockerjava.api.command.InspectContainerResponse info) {
            starting = System.nanoTime();
            super.containerIsStarting(info);
        }
    }

    private static String row(String what, long[] nanos, String target) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return String.format(Locale.ROOT, "%-58s %5d %9s %9s %9s  %s", what, sorted.length, ms(sorted[sorted.length / 2]),
                ms(sorted[(int) Math.ceil(sorted.length * 0.9) - 1]), ms(sorted[sorted.length - 1]), target);
    }

    private static String ms(long nanos) {
        return nanos >= 100_000_000 ? String.format(Locale.ROOT, "%.2f s", nanos / 1e9)
                : String.format(Locale.ROOT, "%.2f ms", nanos / 1e6);
    }

    private static String loadAverage() {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).strip();
        } catch (java.io.IOException e) {
            return "unknown";
        }
    }
}

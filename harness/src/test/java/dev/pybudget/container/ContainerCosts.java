package dev.pybudget.container;

import dev.pybudget.recording.Recording;
import dev.pybudget.report.JsonReport;
import java.nio.charset.StandardCharsets;

/**
 * How long a container takes from start() to the workload released (the image built and cached), phase by phase,
 * and what one record() window and one snapshot() cost on a running container: measured for
 * {@code ContainerBenchmarkTest} and the benchmark's container rows ({@code ci/benchmark.sh --only container}).
 */
public final class ContainerCosts {
    private ContainerCosts() {}

    /**
     * @param starts    start() to released, ns
     * @param phases    per start: [0] the agent's container created and started, [1] the workload's container created,
     *                  [2] its docker start, [3] the agent's attach to its ready line, [4] ready line to hello; ns
     * @param windows   one record() window each, ns
     * @param snapshots one snapshot() each, ns
     * @param plainWindows one openWindow(name).close() each: the two round trips of a window, without its readings; ns
     */
    public record Measured(long[] starts, long[][] phases, long[] windows, long[] snapshots, int snapshotBytes,
                           long[] plainWindows) {}

    public static Measured measure(int startCount, int windowCount) {
        // The image once, so that what follows measures a cached image.
        PythonImage image = PythonImage.CPYTHON_3_11;
        try (PythonWorkloadContainer warmUp = container(image)) {
            warmUp.start();
        }
        long[] starts = new long[startCount];
        long[][] phases = new long[5][startCount];
        for (int i = 0; i < startCount; i++) {
            try (ContainerBenchmarkTest.Timed c = new ContainerBenchmarkTest.Timed(image)) {
                c.t0 = System.nanoTime();
                c.start();
                starts[i] = System.nanoTime() - c.t0;
                phases[0][i] = c.agentRunning - c.t0;
                phases[1][i] = c.created - c.agentRunning;
                phases[2][i] = c.starting - c.created;
                phases[3][i] = c.ready - c.starting;
                phases[4][i] = c.t0 + starts[i] - c.ready;
            }
        }
        long[] windows = new long[windowCount];
        long[] snapshots = new long[windowCount];
        long[] plainWindows = new long[windowCount];
        int snapshotBytes;
        try (PythonWorkloadContainer c = container(image)) {
            c.start();
            for (int i = 0; i < 20; i++) {
                c.record("warm-up", () -> { });
            }
            for (int i = 0; i < windowCount; i++) {
                long t0 = System.nanoTime();
                Recording r = c.record("w", () -> { });
                windows[i] = System.nanoTime() - t0;
                if (r.window("w").isEmpty()) {
                    throw new AssertionError("the window is missing");
                }
            }
            for (int i = 0; i < windowCount; i++) {
                long t0 = System.nanoTime();
                c.snapshot();
                snapshots[i] = System.nanoTime() - t0;
            }
            for (int i = 0; i < windowCount; i++) {
                long t0 = System.nanoTime();
                c.openWindow("plain").close();
                plainWindows[i] = System.nanoTime() - t0;
            }
            snapshotBytes = JsonReport.toString(c.snapshot()).getBytes(StandardCharsets.UTF_8).length;
        }
        return new Measured(starts, phases, windows, snapshots, snapshotBytes, plainWindows);
    }

    static PythonWorkloadContainer container(PythonImage image) {
        return new PythonWorkloadContainer(image).withCommand("python3", "-c", "import time; time.sleep(600)");
    }
}

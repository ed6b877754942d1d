package dev.pybudget.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pybudget.container.PythonImage;
import dev.pybudget.container.PythonWorkloadContainer;
import dev.pybudget.recording.Recording;
import dev.pybudget.recording.Sections;
import dev.pybudget.recording.Window;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.Container;
import org.testcontainers.containers.wait.strategy.Wait;
import dev.pybudget.support.PythonFixtures;

/**
 * 1,000 record() windows in a row on one container (reliability/service.py, one GET /work each): every window is right, and the file descriptors, threads and resident memory of the
 * agent (the container's pid 1) and of this JVM stay flat. The figures are printed.
 */
class LoadTest {

    static final int WINDOWS = 1000;
    /** The JVMs' heaps and JIT settle during the first few hundred windows; flat is measured from here on. */
    static final int WARM_UP = 300;

    /**
     * The test JVM's memory is its heap in use after a full collection: its RSS follows the heap the JVM grew for
     * every test class that ran before in the same JVM (and never gives back), which says nothing of this test's.
     */
    record Figures(int window, long agentFds, long agentThreads, long agentRssKb, long jvmFds, long jvmThreads, long jvmRssKb,
                   long jvmHeapKb) {
        @Override
        public String toString() {
            return String.format("%5d | %4d fds %3d threads %7d kB | %4d fds %3d threads %7d kB RSS %7d kB heap in use",
                    window, agentFds, agentThreads, agentRssKb, jvmFds, jvmThreads, jvmRssKb, jvmHeapKb);
        }
    }

    @Test
    void should_keep_every_window_right_and_the_agent_and_the_jvm_flat_over_1000_windows() throws Exception {
        try (PythonWorkloadContainer app = new PythonWorkloadContainer(PythonImage.CPYTHON_3_11)
                .withFixture(PythonFixtures.workload("reliability/service.py").toString())
                .withCommand("python3", "service.py", "8000")
                .withExposedPorts(8000)
                .waitingFor(Wait.forHttp("/health").forPort(8000))) {
            app.start();
            HttpClient http = HttpClient.newHttpClient();
            HttpRequest work = HttpRequest.newBuilder(URI.create("http://" + app.getHost() + ":" + app.getMappedPort(8000)
                    + "/work")).build();
            List<Figures> figures = new ArrayList<>();
            long start = System.nanoTime();
            long warmedUp = 0;
            for (int i = 1; i <= WINDOWS; i++) {
                Recording r = app.record("load", () -> {
                    try {
                        assertThat(http.send(work, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
                    } catch (IOException | InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                });
                Sections load = r.window("load").map(Window::sections).orElseThrow();
                Sections request = r.window("request").map(Window::sections).orElseThrow();
                assertThat(load.auditCount("pybudget.begin")).as("window %d: one request began in it", i).isEqualTo(1);
                assertThat(request.auditCount("pybudget.begin")).as("window %d", i).isEqualTo(1);
                if (i > 1) {
                    assertThat(request.importCount()).as("window %d: only the first request imports", i).isZero();
                } else {
                    assertThat(request.importCount()).isPositive();
                }
                assertThat(r.lostEvents()).isZero();
                if (i == WARM_UP) {
                    warmedUp = System.nanoTime();
                }
                if (i == 1 || i == WARM_UP || i % 350 == 0 || i == WINDOWS) {
                    figures.add(figures(app, i));
                }
            }
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            long perWindow = TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - warmedUp) / (WINDOWS - WARM_UP);
            System.out.printf("%d record() windows in %d ms (%d us each after the warm-up)%n"
                    + "window |        agent (container pid 1)     |      test JVM%n", WINDOWS, millis, perWindow);
            figures.forEach(System.out::println);

            Figures first = figures.stream().filter(f -> f.window() == WARM_UP).findFirst().orElseThrow();
            Figures last = figures.get(figures.size() - 1);
            assertThat(last.agentFds()).as("agent fds").isEqualTo(first.agentFds());
            assertThat(last.agentThreads()).as("agent threads (the JVM's own come and go)").isLessThanOrEqualTo(first.agentThreads() + 1);
            assertThat(last.agentRssKb() - first.agentRssKb()).as("agent RSS growth, kB").isLessThan(32 * 1024);
            assertThat(last.jvmFds() - first.jvmFds()).as("test JVM fds").isLessThanOrEqualTo(2);
            assertThat(last.jvmThreads() - first.jvmThreads()).as("test JVM threads").isLessThanOrEqualTo(2);
            assertThat(last.jvmHeapKb() - first.jvmHeapKb()).as("test JVM heap growth after a full collection, kB")
                    .isLessThan(64 * 1024);
            Recording all = app.snapshot();
            assertThat(all.window("request").orElseThrow().sections().auditCount("pybudget.begin")).isEqualTo(WINDOWS);
            assertThat(all.window("load").orElseThrow().sections().auditCount("pybudget.begin")).isEqualTo(WINDOWS);
        }
    }

    static Figures figures(PythonWorkloadContainer app, int window) throws Exception {
        Container.ExecResult agent = app.getAgentContainer().execInContainer("sh", "-c",
                "ls /proc/1/fd | wc -l; grep -E '^(Threads|VmRSS):' /proc/1/status");
        assertThat(agent.getExitCode()).as(agent.getStderr()).isZero();
        List<String> lines = agent.getStdout().lines().toList();
        long agentFds = Long.parseLong(lines.get(0).trim());
        long agentRss = field(lines, "VmRSS:"), agentThreads = field(lines, "Threads:");
        List<String> self = Files.readAllLines(Path.of("/proc/self/status"));
        long jvmFds;
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            jvmFds = fds.count();
        }
        System.gc();
        Runtime runtime = Runtime.getRuntime();
        long heapKb = (runtime.totalMemory() - runtime.freeMemory()) / 1024;
        return new Figures(window, agentFds, agentThreads, agentRss, jvmFds, field(self, "Threads:"), field(self, "VmRSS:"),
                heapKb);
    }

    static long field(List<String> status, String name) {
        return status.stream().filter(l -> l.startsWith(name)).map(l -> Long.parseLong(l.substring(name.length()).trim()
                .split("\\s+")[0])).findFirst().orElseThrow();
    }
}

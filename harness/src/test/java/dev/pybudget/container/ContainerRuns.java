package dev.pybudget.container;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pybudget.engine.Workloads.Oracle;
import dev.pybudget.recording.GcStats;
import dev.pybudget.recording.Recording;
import dev.pybudget.recording.Sections;
import dev.pybudget.recording.Window;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Container runs of the fixtures in python-fixtures/ with their in-process oracle (oracle.py): the
 * kernel's counts, as the agent in the container recorded them, next to what CPython's own hooks saw.
 */
public final class ContainerRuns {
    private ContainerRuns() {}

    /** Where the oracle writes its JSON inside the container. */
    public static final String ORACLE = "/workload/oracle.json";
    /** No fixture runs this long; a hang fails the test instead of the build. */
    public static final Duration TIMEOUT = Duration.ofSeconds(90);

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Both built-in images, for parameterized tests. */
    public static Stream<PythonImage> images() {
        return Stream.of(PythonImage.CPYTHON_3_11, PythonImage.CPYTHON_3_13);
    }

    /** A container that runs {@code command} in {@code fixture} (a directory of python-fixtures/) with the oracle on. */
    public static PythonWorkloadContainer withOracle(PythonImage image, String fixture, String... command) {
        return new PythonWorkloadContainer(image)
                .withFixture(fixture)
                .withEnv("PYBUDGET_ORACLE", ORACLE)
                .withCommand(command);
    }

    /** What one run recorded in the kernel and what its oracle wrote. */
    public record OracleRun(Recording recording, Oracle oracle, String output) {

        public Sections window(String name) {
            return recording.window(name).map(Window::sections).orElseGet(() -> fail("the recording has no window '"
                    + name + "'; it has " + recording.windows().stream().map(Window::name).toList()));
        }
    }

    /**
     * Starts the container, waits for the fixture to exit by itself, checks it exited 0 and lost nothing,
     * copies the oracle's JSON out, and stops the container.
     */
    public static OracleRun runToExit(PythonWorkloadContainer container) {
        try (container) {
            container.start();
            return finish(container);
        }
    }

    /** As {@link #runToExit}, for a container that is already running (and that the caller stops). */
    public static OracleRun finish(PythonWorkloadContainer container) {
        Recording recording = container.awaitExit(TIMEOUT);
        String output = container.getWorkloadOutput();
        assertThat(recording.exitStatus()).as("exit status of the fixture; its output:%n%s", output).contains(0);
        assertThat(recording.lostEvents()).as("events lost by the stream").isZero();
        assertThat(recording.losses().countsIncomplete()).as("counts with no room in a map: %s", recording.losses())
                .isFalse();
        JsonNode oracle = container.copyFileFromContainer(ORACLE, ContainerRuns::readJson);
        return new OracleRun(recording, new Oracle(oracle), output);
    }

    private static JsonNode readJson(InputStream in) throws IOException {
        return JSON.readTree(in);
    }

    /**
     * The kernel's collections equal the oracle's: per generation (gc__start vs gc.callbacks "start"), and
     * objects (gc__done reports collected + uncollectable, which the oracle keeps in two fields).
     */
    public static void assertSameGc(String what, GcStats kernel, JsonNode oracleGc) {
        List<Long> collections = new ArrayList<>();
        oracleGc.path("collections").forEach(n -> collections.add(n.asLong()));
        assertThat(collections).as("%s: the oracle's collections", what).hasSize(3);
        long objects = oracleGc.path("collected").asLong() + oracleGc.path("uncollectable").asLong();
        assertThat(kernel.collections()).as("%s: collections per generation (kernel vs oracle)", what)
                .containsExactlyElementsOf(collections);
        assertThat(kernel.collected()).as("%s: objects collected + uncollectable (kernel vs oracle)", what)
                .isEqualTo(objects);
    }

    /** GET http://host:mapped-port/path on the container; returns the body, asserting status 200. */
    public static String get(PythonWorkloadContainer container, int port, String path) {
        try {
            HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://" + container.getHost() + ":" + container.getMappedPort(port) + path))
                    .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as("GET %s", path).isEqualTo(200);
            return response.body();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}

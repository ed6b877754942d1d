package dev.pybudget.support;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pybudget.container.PythonImage;
import dev.pybudget.container.PythonWorkloadContainer;
import dev.pybudget.recording.Recording;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.testcontainers.utility.MountableFile;

/**
 * Container runs of python-fixtures/workloads with their in-process oracle: the kernel's counts, as the agent
 * in the container recorded them, next to what CPython's own hooks saw.
 */
public final class ContainerRuns {
    private ContainerRuns() {}

    /** Where the oracle writes its JSON inside the container. */
    public static final String ORACLE = "/workload/oracle.json";
    /**
     * Where python-fixtures/support goes inside the container: a workload adds the support folder next to its
     * own folder's parent to sys.path, and the workload's folder is /workload there.
     */
    public static final String SUPPORT = "/support";
    /** No workload runs this long; a hang fails the test instead of the build. */
    public static final Duration TIMEOUT = Duration.ofSeconds(90);

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Both built-in images, for parameterized tests. */
    public static Stream<PythonImage> images() {
        return Stream.of(PythonImage.CPYTHON_3_11, PythonImage.CPYTHON_3_13);
    }

    /** The container's workload finds oracle.py where every workload looks for it: {@value #SUPPORT}. */
    public static PythonWorkloadContainer withOracleImportable(PythonWorkloadContainer container) {
        return container.withCopyFileToContainer(MountableFile.forHostPath(PythonFixtures.SUPPORT), SUPPORT);
    }

    /** A container that runs {@code command} in {@code workloads} (a folder of python-fixtures/workloads) with the oracle on. */
    public static PythonWorkloadContainer withOracle(PythonImage image, Path workloads, String... command) {
        return withOracleImportable(new PythonWorkloadContainer(image))
                .withFixture(workloads.toString())
                .withEnv("PYBUDGET_ORACLE", ORACLE)
                .withCommand(command);
    }

    /**
     * Starts the container, waits for the workload to exit by itself, checks it exited 0 and lost nothing,
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
        assertThat(recording.exitStatus()).as("exit status of the workload; its output:%n%s", output).contains(0);
        assertThat(recording.lostEvents()).as("events lost by the stream").isZero();
        assertThat(recording.losses().countsIncomplete()).as("counts with no room in a map: %s", recording.losses())
                .isFalse();
        JsonNode oracle = container.copyFileFromContainer(ORACLE, JSON::readTree);
        return new OracleRun(recording, new Oracle(oracle), output, "");
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

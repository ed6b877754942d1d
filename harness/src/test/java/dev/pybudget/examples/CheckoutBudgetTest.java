package dev.pybudget.examples;

import static dev.pybudget.assertions.PyBudgetAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pybudget.container.PythonImage;
import dev.pybudget.container.PythonWorkloadContainer;
import dev.pybudget.junit.PythonPerfTest;
import dev.pybudget.junit.Recorder;
import dev.pybudget.junit.Workload;
import dev.pybudget.recording.Recording;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.wait.strategy.Wait;

/**
 * The seed problem, as README.md tells it: a service whose first request stalls on a lazy import.
 * The first request's window shows the import tree; after a warm-up, a request imports nothing.
 */
// snippet:checkout
@PythonPerfTest
class CheckoutBudgetTest {

    @Workload
    static PythonWorkloadContainer app = new PythonWorkloadContainer(PythonImage.CPYTHON_3_11)
            .withFixture("python-fixtures/workloads/lazy_import_service")
            .withCommand("python3", "server.py", "8000")
            .withExposedPorts(8000)
            .waitingFor(Wait.forHttp("/health").forPort(8000));

    @Test
    void onlyTheFirstRequestPaysForTheLazyImport(Recorder recorder) {
        Recording first = recorder.record("first", () -> get("/checkout"));
        Recording second = recorder.record("second", () -> get("/checkout"));

        assertThatThrownBy(() -> assertThat(first).window("request").imports().isEmpty())
                .hasMessageContaining("Expected no imports in window 'request'")
                .hasMessageContaining("pricing")
                .hasMessageContaining("decimal");
        assertThat(second).window("request").imports().isEmpty();
        assertThat(second).window("request").gc().hasNoCollections(2);
    }

    static void get(String path) throws Exception {
        URI uri = URI.create("http://" + app.getHost() + ":" + app.getMappedPort(8000) + path);
        HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.discarding());
    }
}
// end-snippet

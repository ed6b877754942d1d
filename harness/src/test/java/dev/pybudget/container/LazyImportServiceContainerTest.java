package dev.pybudget.container;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pybudget.junit.PythonPerfTest;
import dev.pybudget.junit.Recorder;
import dev.pybudget.junit.Workload;
import dev.pybudget.recording.ImportNode;
import dev.pybudget.recording.Recording;
import dev.pybudget.recording.Sections;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.wait.strategy.Wait;

/** The seed problem: a service whose first request pays for a lazy import. */
@PythonPerfTest
class LazyImportServiceContainerTest {

    @Workload
    static PythonWorkloadContainer app = new PythonWorkloadContainer(PythonImage.CPYTHON_3_11)
            .withFixture("python-fixtures/lazy_import_service")
            .withCommand("python3", "server.py", "8000")
            .withExposedPorts(8000)
            .waitingFor(Wait.forHttp("/health").forPort(8000));

    static void get(String path) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://" + app.getHost() + ":" + app.getMappedPort(8000) + path)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
    }

    @Test
    void should_show_the_first_requests_import_tree_and_an_empty_second(Recorder recorder) {
        Recording first = recorder.record("first", () -> get("/checkout"));
        Recording second = recorder.record("second", () -> get("/checkout"));

        Sections firstRequest = first.window("request").orElseThrow().sections();
        assertThat(firstRequest.importCount()).isPositive();
        assertThat(firstRequest.allImports()).extracting(ImportNode::module).contains("pricing", "decimal");
        assertThat(firstRequest.imports()).allSatisfy(i -> assertThat(i.durationNanos()).isPositive());
        assertThat(first.lostEvents()).isZero();

        Sections secondRequest = second.window("request").orElseThrow().sections();
        assertThat(secondRequest.importCount()).isZero();
        assertThat(secondRequest.imports()).isEmpty();
        assertThat(secondRequest.auditCount("pybudget.begin")).isEqualTo(1);
    }
}

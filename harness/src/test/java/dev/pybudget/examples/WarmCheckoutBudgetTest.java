package dev.pybudget.examples;

import dev.pybudget.container.PythonImage;
import dev.pybudget.container.PythonWorkloadContainer;
import dev.pybudget.junit.GcBudget;
import dev.pybudget.junit.NoAudit;
import dev.pybudget.junit.NoImports;
import dev.pybudget.junit.PythonPerfTest;
import dev.pybudget.junit.Workload;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.wait.strategy.Wait;

/** The fix for the lazy-import pause: import at start-up (server.py --warm); the first request then keeps its budget. */
// snippet:warm
@PythonPerfTest
class WarmCheckoutBudgetTest {

    @Workload
    static PythonWorkloadContainer app = new PythonWorkloadContainer(PythonImage.CPYTHON_3_11)
            .withFixture("python-fixtures/workloads/lazy_import_service")
            .withCommand("python3", "server.py", "8000", "--warm")
            .withExposedPorts(8000)
            .waitingFor(Wait.forHttp("/health").forPort(8000));

    @Test
    @NoImports(window = "request")
    @GcBudget(generation = 2, max = 0, window = "request")
    @NoAudit(value = {"socket.connect", "subprocess.Popen"}, window = "request")
    void firstRequestKeepsItsBudget() throws Exception {
        URI uri = URI.create("http://" + app.getHost() + ":" + app.getMappedPort(8000) + "/checkout");
        HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.discarding());
    }
}
// end-snippet

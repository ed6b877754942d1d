package dev.pybudget.junit;

import dev.pybudget.engine.LocalWorkload;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import dev.pybudget.support.PythonFixtures;

/** python-fixtures/workloads/budget_service on this host: each request does what its query asks, inside the window "request". */
final class BudgetService {

    final int port = freePort();
    final LocalWorkload workload;

    BudgetService(String callPattern) {
        LocalWorkload w = new LocalWorkload("/usr/bin/python3.11", "server.py", String.valueOf(port))
                .withDirectory(PythonFixtures.workload("budget_service"))
                .withOutput(ProcessBuilder.Redirect.DISCARD)
                .waitingFor(this::answersHealth, Duration.ofSeconds(30));
        workload = callPattern == null ? w : w.withCallPattern(callPattern);
    }

    /**
     * Ready once it has answered GET /health: a bare TCP connect would be accepted by the server later, after the
     * test's starting snapshot, and its {@code socket.__new__} audit event would count as the test's activity.
     */
    private boolean answersHealth() {
        try {
            HttpURLConnection health = (HttpURLConnection) uri("/health").toURL().openConnection();
            health.setConnectTimeout(200);
            health.setReadTimeout(2000);
            try {
                return health.getResponseCode() == 200;
            } finally {
                health.disconnect();
            }
        } catch (IOException notYet) {
            return false;
        }
    }

    /** GET /?query once the service answers; the work happens in the window "request". */
    void get(String query) throws Exception {
        HttpClient client = HttpClient.newHttpClient();
        Instant deadline = Instant.now().plusSeconds(10);
        while (true) {
            try {
                HttpResponse<String> health = client.send(HttpRequest.newBuilder(uri("/health")).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (health.statusCode() == 200) {
                    break;
                }
            } catch (IOException notYet) {
                if (Instant.now().isAfter(deadline)) {
                    throw notYet;
                }
                Thread.sleep(20);
            }
        }
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(uri("/?" + query)).timeout(Duration.ofSeconds(30))
                .build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("budget_service answered " + response.statusCode() + " to " + query);
        }
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}

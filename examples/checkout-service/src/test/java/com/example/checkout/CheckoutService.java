package com.example.checkout;

import dev.pybudget.container.PythonImage;
import dev.pybudget.container.PythonWorkloadContainer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.images.builder.ImageFromDockerfile;

/** The service as the tests run it: its own image (./Dockerfile), traced by pybudget. */
final class CheckoutService {
    private CheckoutService() {}

    /** Built once per run from ./Dockerfile and ./service; Docker's layer cache makes a rebuild quick. */
    static final String IMAGE = new ImageFromDockerfile("example/checkout-service:test", false)
            .withFileFromPath("Dockerfile", Path.of("Dockerfile"))
            .withFileFromPath("service", Path.of("service"))
            .get();

    static PythonWorkloadContainer container() {
        return new PythonWorkloadContainer(PythonImage.of(IMAGE))
                .withEnv("PYTHONPATH", "/srv")
                .withCommand("python3", "-m", "checkout.server", "8000")
                // Anchored to the service's own package: "*/server.py:*" would also count http/server.py.
                .withCallPattern("*/checkout/*.py:*")
                .withExposedPorts(8000)
                .waitingFor(Wait.forHttp("/health").forPort(8000));
    }

    static void get(PythonWorkloadContainer service, String path) throws Exception {
        URI uri = URI.create("http://" + service.getHost() + ":" + service.getMappedPort(8000) + path);
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri).build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException(path + " answered " + response.statusCode() + ": " + response.body());
        }
    }
}

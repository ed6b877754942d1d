package dev.pybudget.cli;

import dev.pybudget.container.PythonImage;
import dev.pybudget.container.PythonWorkloadContainer;
import dev.pybudget.engine.TraceException;
import dev.pybudget.recording.Recording;
import java.time.Duration;
import org.testcontainers.DockerClientFactory;

/** {@code trace --container IMAGE}: the same trace, inside a container, the current directory copied in. */
final class ContainerTrace {
    private ContainerTrace() {}

    /** No limit of our own: the workload runs until it exits, as on the host. */
    private static final Duration NO_LIMIT = Duration.ofDays(3650);

    static Recording run(Main.TraceCommand command) {
        boolean docker;
        try {
            docker = DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException e) {
            docker = false;
        }
        if (!docker) {
            throw new TraceException("No Docker engine could be reached for --container: start one (on Debian, sudo bash"
                    + " ci/setup-engine.sh) or point DOCKER_HOST at one.");
        }
        PythonWorkloadContainer container = new PythonWorkloadContainer(image(command.container().orElseThrow()))
                .withFixture(".")
                .withCommand(command.workload().toArray(String[]::new));
        if (command.options().callPattern().isPresent()) {
            container = container.withCallPattern(command.options().callPattern().get())
                    .withCallCounting(command.options().callCounting());
        }
        try (PythonWorkloadContainer running = container) {
            try {
                running.start();
            } catch (RuntimeException e) {
                throw new TraceException(rootMessage(e), e);
            }
            return running.awaitExit(NO_LIMIT);
        }
    }

    /** cpython-3.11 and cpython-3.13 are built from containers/; anything else is an image name. */
    static PythonImage image(String name) {
        return switch (name) {
            case "cpython-3.11", "pybudget/cpython-3.11" -> PythonImage.CPYTHON_3_11;
            case "cpython-3.13", "pybudget/cpython-3.13" -> PythonImage.CPYTHON_3_13;
            default -> PythonImage.of(name);
        };
    }

    private static String rootMessage(Throwable e) {
        String message = e.getMessage();
        for (Throwable t = e.getCause(); t != null && t != t.getCause(); t = t.getCause()) {
            if (t.getMessage() != null) {
                message = t.getMessage();
            }
        }
        return message;
    }
}

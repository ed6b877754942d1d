package dev.pybudget.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.exception.NotFoundException;
import dev.pybudget.container.PythonImage;
import dev.pybudget.container.PythonWorkloadContainer;
import dev.pybudget.engine.TraceException;
import dev.pybudget.engine.TraceOptions;
import dev.pybudget.recording.Recording;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.utility.ResourceReaper;

/** {@code trace --container IMAGE}: the same trace, inside a container, the current directory copied in. */
final class ContainerTrace {
    private ContainerTrace() {}

    /** No limit of our own: the workload runs until it exits or is stopped, as on the host. */
    private static final Duration NO_LIMIT = Duration.ofDays(3650);
    /** How long a missing image may take to pull before the command line gives up, saying so. */
    static final Duration PULL_LIMIT = Duration.ofSeconds(20);

    static Recording run(TraceCommand command, TraceOptions options, StopRequests stops) {
        requireDocker("--container");
        PythonImage image = image(command.containerImage().orElseThrow());
        PythonWorkloadContainer container = new PythonWorkloadContainer(image)
                .withFixture(".")
                .withCommand(command.workload.toArray(String[]::new))
                .withCallCounting(options.callCounting());
        options.callPattern().ifPresent(container::withCallPattern);
        options.families().forEach(container::withFamily);
        container.setPortBindings(command.publish.stream().map(PublishedPort::binding).toList());
        try (PythonWorkloadContainer running = container) {
            try {
                running.start();
            } catch (RuntimeException e) {
                throw new TraceException(rootMessage(e), e);
            }
            // On a stop request another thread asks the agent to stop the workload (awaitExit with no time left
            // does that); the wait below then ends as if the workload had exited. Interrupting the wait instead
            // would also interrupt its talk with the Docker engine.
            CompletableFuture<Void> stopping = stops.requested().thenAcceptAsync(stop -> running.awaitExit(Duration.ZERO));
            try {
                return running.awaitExit(NO_LIMIT);
            } finally {
                stopping.cancel(false);
            }
        }
    }

    /** Without Ryuk (see {@link #withoutRyuk()}); one sentence when no Docker engine answers. */
    static void requireDocker(String option) {
        withoutRyuk();
        boolean docker;
        try {
            docker = DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException e) {
            docker = false;
        }
        if (!docker) {
            throw new TraceException("No Docker engine could be reached for " + option + ": start one (on Debian, sudo bash"
                    + " ci/setup-engine.sh) or point DOCKER_HOST at one.");
        }
    }

    /** cpython-3.11, 3.13, 3.14 and 3.15 are built from containers/; anything else is an image name. */
    static PythonImage image(String name) {
        return switch (name) {
            case "cpython-3.11", "pybudget/cpython-3.11" -> PythonImage.CPYTHON_3_11;
            case "cpython-3.13", "pybudget/cpython-3.13" -> PythonImage.CPYTHON_3_13;
            case "cpython-3.14", "pybudget/cpython-3.14" -> PythonImage.CPYTHON_3_14;
            case "cpython-3.15", "pybudget/cpython-3.15" -> PythonImage.CPYTHON_3_15;
            default -> {
                requirePresentOrPulled(name);
                yield PythonImage.of(name);
            }
        };
    }

    /**
     * An image that is not here is pulled now, within {@link #PULL_LIMIT}: where no registry answers,
     * Testcontainers would retry for minutes without a word.
     */
    private static void requirePresentOrPulled(String name) {
        try {
            DockerClientFactory.instance().client().inspectImageCmd(name).exec();
            return;
        } catch (NotFoundException e) {
            // pulled below
        }
        String why;
        try {
            if (DockerClientFactory.instance().client().pullImageCmd(name).start()
                    .awaitCompletion(PULL_LIMIT.toSeconds(), TimeUnit.SECONDS)) {
                return;
            }
            why = "no answer within " + PULL_LIMIT.toSeconds() + " s";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            why = "interrupted";
        } catch (RuntimeException e) {
            why = dockerMessage(rootMessage(e));
        }
        throw new TraceException("The image " + name + " is not on this machine and could not be pulled (" + why
                + "): build it or docker load it first, or use --container cpython-3.11.");
    }

    /**
     * The command line removes its own container (on every way out but SIGKILL), so it needs no Ryuk
     * container, whose image cannot be pulled where no registry answers (Testcontainers then waits for
     * minutes). Testcontainers reads TESTCONTAINERS_RYUK_DISABLED from the environment only, which a
     * JVM cannot set for itself: its JVM-exit reaper is put in place as TESTCONTAINERS_RYUK_DISABLED=true
     * would.
     */
    static void withoutRyuk() {
        if (Boolean.parseBoolean(System.getenv("TESTCONTAINERS_RYUK_DISABLED"))) {
            return;
        }
        try {
            Field instance = ResourceReaper.class.getDeclaredField("instance");
            instance.setAccessible(true);
            synchronized (ResourceReaper.class) {
                if (instance.get(null) == null) {
                    Constructor<?> reaper = Class.forName("org.testcontainers.utility.JVMHookResourceReaper")
                            .getDeclaredConstructor();
                    reaper.setAccessible(true);
                    instance.set(null, reaper.newInstance());
                }
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("This Testcontainers version keeps its resource reaper elsewhere: set"
                    + " TESTCONTAINERS_RYUK_DISABLED=true to run --container without Ryuk.", e);
        }
    }

    /** The engine's own words out of docker-java's "Status 500: {"message":"..."}", on one line. */
    private static String dockerMessage(String message) {
        String text = message == null ? "no reason given" : message;
        int json = text.indexOf('{');
        if (json >= 0) {
            try {
                JsonNode said = new ObjectMapper().readTree(text.substring(json)).path("message");
                if (said.isTextual()) {
                    text = said.asText();
                }
            } catch (JsonProcessingException e) {
                // not JSON after all: the message as it is
            }
        }
        return text.replaceAll("\\s+", " ").strip();
    }

    static String rootMessage(Throwable e) {
        String message = e.getMessage();
        for (Throwable t = e.getCause(); t != null && t != t.getCause(); t = t.getCause()) {
            if (t.getMessage() != null) {
                message = t.getMessage();
            }
        }
        return message;
    }
}

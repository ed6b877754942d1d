package dev.pybudget.container;

import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import dev.pybudget.engine.CallPattern;
import dev.pybudget.engine.TracedWorkload;
import dev.pybudget.engine.WindowHandle;
import dev.pybudget.recording.Recording;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.ContainerLaunchException;
import org.testcontainers.containers.GenericContainer;

/**
 * pybudget's probes on a CPython that already runs in a container you started (a {@code GenericContainer}, a
 * Compose service): the agent's container joins its pid namespace and attaches, with no gate and no change to
 * your container. The recording starts when the probes are attached ({@link dev.pybudget.recording.PythonInfo#attachedAfterNanos()}
 * says how long after the process's start); windows work as with {@link PythonWorkloadContainer}, from Python
 * marks or from Java.
 *
 * <pre>{@code
 * try (PythonProbes probes = PythonProbes.attach(service)) {
 *     Recording r = probes.record("checkout", () -> get("/checkout"));
 * }
 * }</pre>
 */
public final class PythonProbes implements TracedWorkload, AutoCloseable {

    private final GenericContainer<?> target;
    private final AgentContainer agentContainer;
    private AgentClient agent;

    private PythonProbes(GenericContainer<?> target, AgentContainer agentContainer) {
        this.target = target;
        this.agentContainer = agentContainer;
    }

    /** Attaches to the first CPython process of {@code running} (by pid). */
    public static PythonProbes attach(GenericContainer<?> running) {
        return attach(running, Optional.empty());
    }

    /** As {@link #attach(GenericContainer)}, counting calls of the functions that match {@code FILE_GLOB:FUNCTION_GLOB}. */
    public static PythonProbes attach(GenericContainer<?> running, String callPattern) {
        return attach(running, Optional.of(CallPattern.parse(callPattern).text()));
    }

    private static PythonProbes attach(GenericContainer<?> running, Optional<String> callPattern) {
        String id = running.getContainerId();
        if (id == null || !running.isRunning()) {
            throw new IllegalStateException("The container to attach to is not running: start it first.");
        }
        List<String> args = new ArrayList<>();
        callPattern.ifPresent(p -> args.addAll(List.of("--calls", p)));
        AgentContainer agent = AgentContainer.attachingTo(id, "auto", args, !runsAsRoot(id));
        agent.setWaitStrategy(new SidecarWaitStrategy(agent, () -> stopped(running), new OutputLog(), null,
                PythonWorkloadContainer.DEFAULT_STARTUP, false));
        PythonProbes probes = new PythonProbes(running, agent);
        try {
            agent.start();
            probes.agent = agent.connect(() -> running.getLogs());
        } catch (RuntimeException | IOException e) {
            String said = agent.log().toString();
            agent.stop();
            int error = said.indexOf(dev.pybudget.agent.AgentProtocol.ERROR);
            String sentence = error >= 0 ? said.substring(error + dev.pybudget.agent.AgentProtocol.ERROR.length()).lines()
                    .findFirst().orElse("").strip() : e.getMessage();
            throw new ContainerLaunchException("The pybudget agent could not attach to the container " + AgentContainer.shortId(id)
                    + ": " + sentence, e);
        }
        return probes;
    }

    private static boolean runsAsRoot(String id) {
        try {
            InspectContainerResponse info = DockerClientFactory.instance().client().inspectContainerCmd(id).exec();
            String user = info.getConfig().getUser() == null ? "" : info.getConfig().getUser();
            String name = user.contains(":") ? user.substring(0, user.indexOf(':')) : user;
            return name.isEmpty() || name.equals("root") || name.equals("0");
        } catch (NotFoundException e) {
            return true;
        }
    }

    private static Optional<String> stopped(GenericContainer<?> running) {
        return running.isRunning() ? Optional.empty() : Optional.of("The container to attach to stopped");
    }

    /** Already running: nothing to start. */
    @Override
    public void start() {}

    /** Detaches: the agent's container goes, your container runs on untraced. */
    @Override
    public void stop() {
        close();
    }

    @Override
    public void close() {
        if (agent != null) {
            try {
                agent.close();
            } catch (IOException e) {
                // The agent goes anyway.
            }
            agent = null;
        }
        agentContainer.stop();
    }

    @Override
    public Recording snapshot() {
        return agent().snapshot().recording();
    }

    @Override
    public WindowHandle openWindow(String name) {
        return AgentWindows.open(agent(), name);
    }

    /** Waits until the process exits by itself, up to {@code timeout}; a container's exit ends the agent too, so this
     * returns what was recorded up to the last look. */
    @Override
    public Recording awaitExit(Duration timeout) {
        AgentClient client = agent();
        long deadline = System.nanoTime() + timeout.toNanos();
        Recording last = client.snapshot().recording();
        while (target.isRunning() && System.nanoTime() - deadline < 0) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            last = client.snapshot().recording();
        }
        return last;
    }

    /** The agent's container: e.g. to inspect it. */
    public GenericContainer<?> getAgentContainer() {
        return agentContainer;
    }

    private AgentClient agent() {
        if (agent == null) {
            throw new IllegalStateException("The probes were detached (closed).");
        }
        return agent;
    }
}

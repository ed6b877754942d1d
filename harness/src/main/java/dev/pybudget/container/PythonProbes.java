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

    /** Whether the container attached to still runs. */
    private final java.util.function.BooleanSupplier targetRunning;
    private final AgentContainer agentContainer;
    private AgentClient agent;

    private PythonProbes(java.util.function.BooleanSupplier targetRunning, AgentContainer agentContainer) {
        this.targetRunning = targetRunning;
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
        return attach(id, running::isRunning, running::getLogs, callPattern);
    }

    /**
     * Attaches to the first CPython process of a running container given by id or name, e.g. one that
     * {@code docker run} or Compose started ({@code trace --attach CONTAINER}).
     *
     * @param callPattern {@code FILE_GLOB:FUNCTION_GLOB} of the functions whose calls to count, or empty
     */
    public static PythonProbes attachToContainer(String idOrName, Optional<String> callPattern) {
        String id;
        try {
            InspectContainerResponse info = DockerClientFactory.instance().client().inspectContainerCmd(idOrName).exec();
            if (!Boolean.TRUE.equals(info.getState().getRunning())) {
                throw new IllegalStateException("The container " + idOrName + " to attach to is not running.");
            }
            id = info.getId();
        } catch (NotFoundException e) {
            throw new IllegalStateException("No container " + idOrName + " to attach to.", e);
        }
        String fixedId = id;
        return attach(id, () -> isRunning(fixedId), () -> "(see docker logs " + idOrName + ")",
                callPattern.map(p -> CallPattern.parse(p).text()));
    }

    private static boolean isRunning(String id) {
        try {
            return Boolean.TRUE.equals(DockerClientFactory.instance().client().inspectContainerCmd(id).exec().getState().getRunning());
        } catch (NotFoundException e) {
            return false;
        }
    }

    private static PythonProbes attach(String id, java.util.function.BooleanSupplier running,
                                       java.util.function.Supplier<String> logs, Optional<String> callPattern) {
        List<String> args = new ArrayList<>();
        callPattern.ifPresent(p -> args.addAll(List.of("--calls", p)));
        // CAP_SYS_PTRACE always: a container started as usual holds Docker's default capabilities, which the agent
        // lacks, and reading /proc/PID/exe or /proc/PID/root of a process with more capabilities needs it.
        AgentContainer agent = AgentContainer.attachingTo(id, "auto", args, true);
        agent.setWaitStrategy(new SidecarWaitStrategy(agent, () -> running.getAsBoolean() ? Optional.empty()
                : Optional.of("The container to attach to stopped"), new OutputLog(), null, PythonWorkloadContainer.DEFAULT_STARTUP, false));
        PythonProbes probes = new PythonProbes(running, agent);
        try {
            agent.start();
            probes.agent = agent.connect(logs);
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

    /** Whether the container attached to still runs. */
    public boolean isTargetRunning() {
        return targetRunning.getAsBoolean();
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

    /** As {@link TracedWorkload#record}, in two round trips to the agent instead of four (see PythonWorkloadContainer). */
    @Override
    public Recording record(String name, Runnable work) {
        return AgentWindows.record(agent(), name, work, AgentClient.Snapshot::recording);
    }

    /** Waits until the process exits by itself, up to {@code timeout}; a container's exit ends the agent too, so this
     * returns what was recorded up to the last look. */
    @Override
    public Recording awaitExit(Duration timeout) {
        AgentClient client = agent();
        long deadline = System.nanoTime() + timeout.toNanos();
        Recording last = client.snapshot().recording();
        while (targetRunning.getAsBoolean() && System.nanoTime() - deadline < 0) {
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

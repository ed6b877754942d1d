package dev.pybudget.container;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.ContainerNetwork;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;
import com.sun.jna.Native;
import dev.pybudget.agent.AgentMain;
import dev.pybudget.agent.AgentProtocol;
import java.io.IOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.output.OutputFrame;
import org.testcontainers.containers.wait.strategy.AbstractWaitStrategy;

/**
 * The sidecar: pybudget's agent in a container of its own ({@link AgentImage}), the only container that
 * holds CAP_SYS_ADMIN (to load BPF programs and create uprobes), plus CAP_SYS_PTRACE when the workload runs
 * as another user (to reach its files through {@code /proc/PID/root}). It shares a pid namespace with the
 * workload: as the namespace's first process (the workload's container joins it, {@link #gated}) or joining
 * the namespace of a container that already runs ({@link #attachingTo}). Its channel is published on this
 * host's loopback only, and only this harness has its token.
 */
final class AgentContainer extends GenericContainer<AgentContainer> {

    /**
     * How the agent's JVM runs. A cold JVM that serves a few requests gains nothing from C2 or a parallel GC;
     * -Xrs: no handler for SIGTERM/SIGINT/SIGHUP, so that as its namespace's first process the kernel drops
     * those signals from the workload (the init of a pid namespace gets only the signals it handles).
     */
    static final List<String> JVM_FLAGS = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto", "-Xrs");

    private final OutputLog log = new OutputLog();
    private final String token = newToken();

    private AgentContainer(AgentImage.Baked image, List<String> agentArgs, boolean ptrace, Optional<String> joinPidsOf) {
        super(image.image());
        List<String> command = new ArrayList<>(List.of("java"));
        command.addAll(JVM_FLAGS);
        command.add("-XX:SharedArchiveFile=" + AgentImage.ARCHIVE);
        command.addAll(List.of("-cp", String.join(":", image.classpath()), AgentMain.class.getName(), "--port",
                String.valueOf(AgentProtocol.PORT), "--lenient-probes"));
        command.addAll(agentArgs);
        setCommand(command.toArray(String[]::new));
        withLabel(PythonWorkloadContainer.LABEL, "true");
        withLabel(PythonWorkloadContainer.ROLE_LABEL, "agent");
        addEnv(AgentProtocol.TOKEN_ENV, token);
        addExposedPort(AgentProtocol.PORT);
        withLogConsumer(this::onOutput);
        // Started as soon as it runs: what it waits for (the workload's gate) comes after.
        setWaitStrategy(new AbstractWaitStrategy() {
            @Override
            protected void waitUntilReady() {}
        });
        withCreateContainerCmdModifier(cmd -> {
            List<Capability> caps = new ArrayList<>(List.of(Capability.SYS_ADMIN));
            if (ptrace) {
                caps.add(Capability.SYS_PTRACE);
            }
            cmd.getHostConfig().withCapDrop(Capability.ALL).withCapAdd(caps.toArray(Capability[]::new))
                    .withSecurityOpts(List.of("no-new-privileges"));
            joinPidsOf.ifPresent(id -> cmd.getHostConfig().withPidMode("container:" + id));
            if (dockerHostIsLoopback()) {
                // Docker publishes on every interface by default; the agent's channel needs none but this host's.
                cmd.getHostConfig().withPortBindings(List.of(new PortBinding(Ports.Binding.bindIp("127.0.0.1"),
                        ExposedPort.tcp(AgentProtocol.PORT))));
            }
        });
    }

    /** An agent that waits in its own pid namespace for a workload container to join it and open its gate. */
    static AgentContainer gated(List<String> traceArgs, boolean ptrace) {
        List<String> args = new ArrayList<>(traceArgs);
        args.addAll(List.of("--gate", AgentProtocol.GATE_FIFO));
        return new AgentContainer(AgentImage.of(classpath(), JVM_FLAGS), args, ptrace, Optional.empty());
    }

    /** An agent that joins the pid namespace of a running container and attaches to the CPython there. */
    static AgentContainer attachingTo(String containerId, String target, List<String> traceArgs, boolean ptrace) {
        List<String> args = new ArrayList<>(traceArgs);
        args.addAll(List.of("--attach", target));
        return new AgentContainer(AgentImage.of(classpath(), JVM_FLAGS), args, ptrace, Optional.of(containerId));
    }

    OutputLog log() {
        return log;
    }

    /**
     * A channel to the agent, once it said it is ready: to the container's own address when this host has an interface
     * on its network (a local engine on Linux: the bridge), else through the published port. The published port is a
     * user-space proxy (docker-proxy) that adds two hops to every round trip: 0.38 against 0.22 ms a request here.
     */
    AgentClient connect(java.util.function.Supplier<String> workloadOutputTail) throws IOException {
        Optional<InetAddress> direct = dockerHostIsLoopback() ? onThisHostsNetwork(getContainerInfo()) : Optional.empty();
        AgentClient client = null;
        if (direct.isPresent()) {
            try {
                // The agent listens already (it said ready): on the host's own bridge a connection takes well under 1 ms.
                client = new AgentClient(direct.get().getHostAddress(), AgentProtocol.PORT, 500, token, this::gone,
                        workloadOutputTail);
            } catch (IOException e) {
                // A firewall between this host and its bridge: the published port is the way.
            }
        }
        if (client == null) {
            client = new AgentClient(getHost(), getMappedPort(AgentProtocol.PORT), token, this::gone, workloadOutputTail);
        }
        client.hello();
        return client;
    }

    /**
     * The container's address on a network whose gateway is an address of this host (Docker's bridge, with the engine
     * on this kernel), if any: there this host reaches the container directly.
     */
    static Optional<InetAddress> onThisHostsNetwork(InspectContainerResponse info) {
        if (info == null || info.getNetworkSettings() == null || info.getNetworkSettings().getNetworks() == null) {
            return Optional.empty();
        }
        for (ContainerNetwork network : info.getNetworkSettings().getNetworks().values()) {
            String ip = network.getIpAddress();
            String gateway = network.getGateway();
            if (ip == null || ip.isEmpty() || gateway == null || gateway.isEmpty()) {
                continue;
            }
            try {
                if (NetworkInterface.getByInetAddress(InetAddress.getByName(gateway)) != null) {
                    return Optional.of(InetAddress.getByName(ip));
                }
            } catch (IOException | RuntimeException e) {
                // Not an address, or no interface list: the published port is the way.
            }
        }
        return Optional.empty();
    }

    /**
     * Why the agent cannot answer now, as the start of a sentence that says what it means for the recording;
     * empty while it runs.
     */
    Optional<String> gone() {
        String id = getContainerId();
        if (id == null) {
            return Optional.of("The pybudget agent's container was never started");
        }
        InspectContainerResponse.ContainerState state;
        try {
            state = DockerClientFactory.instance().client().inspectContainerCmd(id).exec().getState();
        } catch (NotFoundException e) {
            return Optional.of("The pybudget agent stopped while the workload ran: its container " + shortId(id)
                    + " has been removed, so the recording ends there and cannot be trusted");
        } catch (RuntimeException e) {
            return Optional.of("The pybudget agent's container " + shortId(id) + " cannot be asked for its state (" + e.getMessage() + ")");
        }
        if (Boolean.TRUE.equals(state.getPaused())) {
            return Optional.of("The pybudget agent's container " + shortId(id) + " is paused, so it cannot answer");
        }
        if (Boolean.TRUE.equals(state.getRunning()) && !Boolean.TRUE.equals(state.getRestarting())) {
            return Optional.empty();
        }
        return Optional.of("The pybudget agent stopped while the workload ran: its container " + shortId(id) + " has stopped"
                + exitDescription(state) + ", so the recording ends there and cannot be trusted");
    }

    /** " (exit code 137: killed by signal 9)", ", killed by the kernel's OOM killer" as it applies. */
    static String exitDescription(InspectContainerResponse.ContainerState state) {
        Long code = state.getExitCodeLong();
        String how = code == null ? "" : code > 128 && code < 160 ? " (exit code " + code + ": killed by signal " + (code - 128) + ")"
                : " (exit code " + code + ")";
        return how + (Boolean.TRUE.equals(state.getOOMKilled()) ? ", killed by the kernel's OOM killer" : "");
    }

    static String shortId(String id) {
        return id.length() > 12 ? id.substring(0, 12) : id;
    }

    private void onOutput(OutputFrame frame) {
        String text = frame.getUtf8String();
        log.append(text);
        if (text.contains(AgentProtocol.ERROR) || text.contains("Exception") || text.contains("Error:")) {
            System.err.print(text); // the agent says nothing else; a JVM that cannot start says it here
        }
    }

    private boolean dockerHostIsLoopback() {
        try {
            return InetAddress.getByName(getHost()).isLoopbackAddress();
        } catch (UnknownHostException | RuntimeException e) {
            return false;
        }
    }

    private static String newToken() {
        byte[] bytes = new byte[24];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    /** Our classes and the libraries the agent needs, as this JVM has them (a jar or target/classes). */
    private static Set<Path> classpath() {
        Set<Path> entries = new LinkedHashSet<>();
        for (Class<?> c : List.of(AgentMain.class, Native.class, ObjectMapper.class, JsonFactory.class, JsonProperty.class,
                JsonNode.class)) {
            try {
                entries.add(Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()));
            } catch (URISyntaxException | NullPointerException e) {
                throw new IllegalStateException("Cannot find where " + c.getName() + " was loaded from, to put it in the agent's image.", e);
            }
        }
        return entries;
    }
}

package dev.pybudget.container;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;
import com.sun.jna.Native;
import dev.pybudget.agent.AgentMain;
import dev.pybudget.agent.AgentProtocol;
import dev.pybudget.engine.CallCounting;
import dev.pybudget.engine.CallPattern;
import dev.pybudget.engine.TracedWorkload;
import dev.pybudget.engine.WindowHandle;
import dev.pybudget.recording.Recording;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.zip.Checksum;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.output.OutputFrame;
import org.testcontainers.containers.wait.strategy.WaitAllStrategy;
import org.testcontainers.containers.wait.strategy.WaitStrategy;
import org.testcontainers.images.builder.Transferable;
import org.testcontainers.utility.MountableFile;

/**
 * A CPython workload in a container, traced by the pybudget agent inside it.
 *
 * <pre>{@code
 * new PythonWorkloadContainer(PythonImage.CPYTHON_3_11)
 *     .withFixture("python-fixtures/lazy_import_service")
 *     .withCommand("python3", "server.py")
 *     .withExposedPorts(8000)
 * }</pre>
 *
 * Least privilege: every capability is dropped but CAP_SYS_ADMIN, which loading BPF programs and
 * creating uprobes needs on these kernels (CAP_BPF and CAP_PERFMON alone are refused on the
 * uprobe); the default seccomp profile and the container's own pid namespace stay. The image is
 * not changed when pybudget is: the agent goes into an image derived from it, once per pybudget
 * build ({@link AgentImage}), or is copied in at start where that image cannot be built.
 */
public class PythonWorkloadContainer extends GenericContainer<PythonWorkloadContainer> implements TracedWorkload {

    /** Set on every container pybudget starts, so that leftovers can be found. */
    public static final String LABEL = "dev.pybudget.managed";
    static final String AGENT_DIR = "/pybudget";
    static final String WORKDIR = "/workload";
    /** How the agent's JVM runs: a cold JVM that serves a few requests gains nothing from C2 or a parallel GC. */
    static final List<String> AGENT_JVM_FLAGS = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto");
    /**
     * Whether the agent is baked into a derived image ({@link AgentImage}) instead of copied in at every start:
     * on unless the system property {@value #BAKE_PROPERTY} is false.
     */
    static final String BAKE_PROPERTY = "pybudget.bakeAgentImage";
    static final boolean BAKE = !"false".equals(System.getProperty(BAKE_PROPERTY));

    private final PythonImage image;
    private final List<String> workload = new ArrayList<>();
    private final OutputLog agentLog = new OutputLog();
    /** The agent's channel token: only this harness, which made it, can drive the agent. */
    private final String token = newToken();
    private Optional<String> callPattern = Optional.empty();
    private CallCounting callCounting = CallCounting.AUTO;
    private boolean streamAudit;
    private boolean kernelContext;
    private WaitStrategy userWaitStrategy;
    private AgentClient agent;
    private volatile boolean exitAwaited;

    public PythonWorkloadContainer(PythonImage image) {
        super(image.future());
        this.image = image;
        withLabel(LABEL, "true");
        withWorkingDirectory(WORKDIR);
        withLogConsumer(this::onOutput);
    }

    /** Copies a directory (or file) of the host into the container's working directory. Relative paths are
     * looked up from the current directory and its parents, so a test in a module finds the project's fixtures. */
    public PythonWorkloadContainer withFixture(String path) {
        Path found = findFixture(path);
        withCopyFileToContainer(MountableFile.forHostPath(found), Files.isDirectory(found) ? WORKDIR
                : WORKDIR + "/" + found.getFileName());
        return self();
    }

    /** The workload: {@code python3 app.py args...}, run in the container's working directory. */
    @Override
    public PythonWorkloadContainer withCommand(String... command) {
        workload.clear();
        workload.addAll(List.of(command));
        return self();
    }

    /**
     * Counts calls of functions matching {@code FILE_GLOB:FUNCTION_GLOB}: with a uprobe hit per Python call
     * on 3.11, inside the workload on 3.12 and later (see {@link #withCallCounting}).
     */
    public PythonWorkloadContainer withCallPattern(String pattern) {
        this.callPattern = Optional.of(CallPattern.parse(pattern).text());
        return self();
    }

    /** How calls are counted: in the kernel, inside the workload, or (AUTO, the default) the cheaper way. */
    public PythonWorkloadContainer withCallCounting(CallCounting how) {
        this.callCounting = java.util.Objects.requireNonNull(how, "how");
        return self();
    }

    /** Also records the kernel's side of each scope: off-CPU time, context switches, page faults, syscalls. */
    public PythonWorkloadContainer withKernelContext(boolean record) {
        this.kernelContext = record;
        return self();
    }

    /** Also streams each audit event with its time and thread. */
    public PythonWorkloadContainer withAuditStream(boolean stream) {
        this.streamAudit = stream;
        return self();
    }

    /** Your wait strategy (port, log, HTTP) runs after the agent's: when the probes are attached. */
    @Override
    public PythonWorkloadContainer waitingFor(WaitStrategy waitStrategy) {
        this.userWaitStrategy = waitStrategy;
        return self();
    }

    public PythonImage getPythonImage() {
        return image;
    }

    @Override
    protected void configure() {
        if (workload.isEmpty()) {
            throw new IllegalStateException("No workload command: call withCommand(\"python3\", \"app.py\").");
        }
        Set<Path> entries = agentClasspath();
        List<String> command = new ArrayList<>(List.of("java"));
        command.addAll(AGENT_JVM_FLAGS);
        Optional<AgentImage.Baked> baked = BAKE ? AgentImage.of(getDockerImageName(), entries, AGENT_JVM_FLAGS) : Optional.empty();
        List<String> classpath;
        if (baked.isPresent()) {
            // Nothing to copy, and the agent's classes mapped from the archive made in the image.
            setDockerImageName(baked.get().image());
            classpath = baked.get().classpath();
            command.add("-XX:SharedArchiveFile=" + AgentImage.ARCHIVE);
        } else {
            AgentClasspath agentClasspath = new AgentClasspath(entries);
            withCopyToContainer(agentClasspath, AGENT_DIR + "/cp");
            classpath = agentClasspath.entries().keySet().stream().map(name -> AGENT_DIR + "/cp/" + name).toList();
        }
        command.addAll(List.of("-cp", String.join(":", classpath), AgentMain.class.getName(), "--port",
                String.valueOf(AgentProtocol.PORT), "--lenient-probes"));
        callPattern.ifPresent(p -> command.addAll(List.of("--calls", p)));
        if (callCounting != CallCounting.AUTO) {
            command.addAll(List.of("--calls-by", callCounting.label()));
        }
        if (streamAudit) {
            command.add("--stream-audit");
        }
        if (kernelContext) {
            command.add("--kernel-context");
        }
        command.add("--");
        command.addAll(workload);
        setCommand(command.toArray(String[]::new));
        addEnv(AgentProtocol.TOKEN_ENV, token);
        addExposedPort(AgentProtocol.PORT);
        boolean loopback = dockerHostIsLoopback();
        withCreateContainerCmdModifier(cmd -> {
            cmd.getHostConfig()
                    .withCapDrop(Capability.ALL)
                    .withCapAdd(Capability.SYS_ADMIN);
            if (loopback) {
                // Docker publishes on every interface by default; the agent's channel needs none but this host's.
                List<PortBinding> bindings = new ArrayList<>();
                Ports ports = cmd.getHostConfig().getPortBindings();
                if (ports != null) {
                    ports.getBindings().forEach((exposed, bound) -> {
                        if (exposed.getPort() != AgentProtocol.PORT) {
                            for (Ports.Binding b : bound == null ? new Ports.Binding[] {null} : bound) {
                                bindings.add(new PortBinding(b == null ? Ports.Binding.empty() : b, exposed));
                            }
                        }
                    });
                }
                bindings.add(new PortBinding(Ports.Binding.bindIp("127.0.0.1"), ExposedPort.tcp(AgentProtocol.PORT)));
                cmd.getHostConfig().withPortBindings(bindings);
            }
        });
        WaitAllStrategy all = new WaitAllStrategy(WaitAllStrategy.Mode.WITH_MAXIMUM_OUTER_TIMEOUT)
                .withStrategy(new AgentReadyWaitStrategy(agentLog));
        if (userWaitStrategy != null) {
            all.withStrategy(userWaitStrategy);
        }
        setWaitStrategy(all.withStartupTimeout(Duration.ofMinutes(5)));
    }

    @Override
    protected void containerIsStarted(com.github.dockerjava.api.command.InspectContainerResponse info) {
        try {
            agent = new AgentClient(getHost(), getMappedPort(AgentProtocol.PORT), token, this::containerGone, this::lastOutput);
            agent.hello();
        } catch (IOException e) {
            throw new AgentGoneException("The pybudget agent's port could not be reached: " + e.getMessage() + "; "
                    + containerGone().orElse("the container runs") + "; its last output:" + System.lineSeparator() + lastOutput(), e);
        }
    }

    @Override
    protected void containerIsStopping(com.github.dockerjava.api.command.InspectContainerResponse info) {
        closeAgent();
    }

    private void closeAgent() {
        if (agent != null) {
            try {
                agent.close();
            } catch (IOException e) {
                // Closing a socket to a container that goes away: nothing to do.
            }
            agent = null;
        }
    }

    @Override
    public Recording snapshot() {
        return agent().snapshot();
    }

    @Override
    public WindowHandle openWindow(String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("A window needs a name.");
        }
        AgentClient client = agent();
        int id = client.open(name);
        return new WindowHandle() {
            private boolean open = true;

            @Override
            public String name() {
                return name;
            }

            @Override
            public void close() {
                if (open) {
                    open = false;
                    client.close(id);
                }
            }
        };
    }

    @Override
    public Recording awaitExit(Duration timeout) {
        AgentClient client = agent();
        Instant deadline = Instant.now().plus(timeout);
        while (client.call(client.request("status")).path("running").asBoolean()) {
            if (Instant.now().isAfter(deadline)) {
                client.call(client.request("stop"));
                break;
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        Recording last = client.snapshot();
        exitAwaited = true;
        return last;
    }

    @Override
    public boolean exitAwaited() {
        return exitAwaited;
    }

    /** The workload's output so far (stdout and stderr, as the container printed them). */
    public String getWorkloadOutput() {
        return agentLog.toString();
    }

    private AgentClient agent() {
        if (agent == null) {
            throw new IllegalStateException("The workload container is not running: start it first"
                    + " (the @Workload extension does it for you).");
        }
        return agent;
    }

    private void onOutput(OutputFrame frame) {
        String text = frame.getUtf8String();
        agentLog.append(text);
        (frame.getType() == OutputFrame.OutputType.STDERR ? System.err : System.out).print(text);
    }

    /**
     * Why the container cannot answer now, as the start of a sentence: it stopped (with its exit code,
     * and whether the OOM killer did it), it is paused, or it is gone; empty while it runs.
     */
    Optional<String> containerGone() {
        String id = getContainerId();
        if (id == null) {
            return Optional.of("The workload container was never started");
        }
        InspectContainerResponse.ContainerState state;
        try {
            state = DockerClientFactory.instance().client().inspectContainerCmd(id).exec().getState();
        } catch (NotFoundException e) {
            return Optional.of("The workload container " + shortId(id) + " has been removed");
        } catch (RuntimeException e) {
            return Optional.of("The workload container " + shortId(id) + " cannot be asked for its state (" + e.getMessage() + ")");
        }
        if (Boolean.TRUE.equals(state.getPaused())) {
            return Optional.of("The workload container " + shortId(id) + " is paused");
        }
        if (Boolean.TRUE.equals(state.getRunning()) && !Boolean.TRUE.equals(state.getRestarting())) {
            return Optional.empty();
        }
        Long code = state.getExitCodeLong();
        String how = code == null ? "" : code > 128 && code < 160 ? " (exit code " + code + ": killed by signal " + (code - 128) + ")"
                : " (exit code " + code + ")";
        boolean oom = Boolean.TRUE.equals(state.getOOMKilled());
        return Optional.of("The workload container " + shortId(id) + " has stopped" + how
                + (oom ? ", killed by the kernel's OOM killer" : ""));
    }

    private static String shortId(String id) {
        return id.length() > 12 ? id.substring(0, 12) : id;
    }

    /** The tail of what the container printed, for a sentence about it. */
    private String lastOutput() {
        String log = agentLog.toString().strip();
        String tail = log.length() > 800 ? "..." + log.substring(log.length() - 800) : log;
        return tail.isEmpty() ? "(nothing)" : tail;
    }

    private static String newToken() {
        byte[] bytes = new byte[24];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    /** True when the test reaches Docker's published ports on this host's loopback (a local engine). */
    private boolean dockerHostIsLoopback() {
        try {
            return InetAddress.getByName(getHost()).isLoopbackAddress();
        } catch (UnknownHostException | RuntimeException e) {
            return false;
        }
    }

    /**
     * The agent's classpath entries (jars and class directories) as one archive: Testcontainers makes
     * one Docker copy per file it is given, each a round trip to the engine that also unpacks into the
     * container's file system, so one archive instead of five saves four of them on every start.
     */
    private record AgentClasspath(Map<String, MountableFile> entries) implements Transferable {

        AgentClasspath(Set<Path> paths) {
            this(numbered(paths));
        }

        private static Map<String, MountableFile> numbered(Set<Path> paths) {
            Map<String, MountableFile> entries = new LinkedHashMap<>();
            int n = 0;
            for (Path path : paths) {
                entries.put((n++) + "-" + path.getFileName(), MountableFile.forHostPath(path));
            }
            return entries;
        }

        @Override
        public void transferTo(TarArchiveOutputStream tar, String destination) {
            entries.forEach((name, file) -> file.transferTo(tar, destination + "/" + name));
        }

        @Override
        public long getSize() {
            return entries.values().stream().mapToLong(MountableFile::getSize).sum();
        }

        @Override
        public void updateChecksum(Checksum checksum) {
            entries.values().forEach(file -> file.updateChecksum(checksum));
        }

        @Override
        public String getDescription() {
            return "the pybudget agent's classpath " + entries.keySet();
        }
    }

    /** Our classes and the libraries the agent needs, as this JVM has them (a jar or target/classes). */
    private static Set<Path> agentClasspath() {
        Set<Path> entries = new LinkedHashSet<>();
        for (Class<?> c : List.of(AgentMain.class, Native.class, ObjectMapper.class, JsonFactory.class, JsonProperty.class,
                JsonNode.class)) {
            try {
                entries.add(Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()));
            } catch (URISyntaxException | NullPointerException e) {
                throw new IllegalStateException("Cannot find where " + c.getName() + " was loaded from, to copy it into the container.", e);
            }
        }
        return entries;
    }

    private static Path findFixture(String path) {
        Path given = Path.of(path);
        List<Path> tried = new ArrayList<>();
        if (given.isAbsolute()) {
            tried.add(given);
        } else {
            for (Path dir = Path.of("").toAbsolutePath(); dir != null && tried.size() < 4; dir = dir.getParent()) {
                tried.add(dir.resolve(path));
            }
        }
        for (Path candidate : tried) {
            if (Files.exists(candidate)) {
                try {
                    return candidate.toRealPath();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
        throw new IllegalArgumentException("The fixture " + path + " does not exist (looked for " + tried + ").");
    }
}

package dev.pybudget.container;

import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Capability;
import dev.pybudget.agent.AgentProtocol;
import dev.pybudget.engine.CallCounting;
import dev.pybudget.engine.CallPattern;
import dev.pybudget.engine.ProbeFamily;
import dev.pybudget.engine.TraceOptions;
import dev.pybudget.engine.TracedWorkload;
import dev.pybudget.engine.Tracer;
import dev.pybudget.engine.WindowHandle;
import dev.pybudget.recording.Recording;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.output.OutputFrame;
import org.testcontainers.containers.wait.strategy.WaitStrategy;
import org.testcontainers.utility.DockerImageName;
import org.testcontainers.utility.MountableFile;

/**
 * A CPython workload in a container of your image, traced by pybudget's agent from a second container.
 *
 * <pre>{@code
 * new PythonWorkloadContainer("registry/checkout-service:1.4")   // or PythonImage.CPYTHON_3_11
 *     .withFixture("python-fixtures/workloads/lazy_import_service")
 *     .withCommand("python3", "server.py")
 *     .withExposedPorts(8000)
 *     .waitingFor(Wait.forHttp("/health").forPort(8000))
 * }</pre>
 *
 * Least privilege: this container holds no capability at all ({@code --cap-drop ALL}, {@code no-new-privileges},
 * the default seccomp profile); the image needs only a CPython with USDT markers, {@code /bin/sh} and
 * {@code mkfifo}. The agent runs in its own container ({@link AgentContainer}), the only one with CAP_SYS_ADMIN,
 * as the first process of a pid namespace that this container joins; the workload waits on a fifo (its gate)
 * until the agent has attached, so the probes see its first bytecode. If the agent stops, the namespace ends
 * and the workload with it: a recording never goes on untraced.
 */
public class PythonWorkloadContainer extends GenericContainer<PythonWorkloadContainer> implements TracedWorkload {

    /** Set on every container pybudget starts (the workload's and the agent's), so that leftovers can be found. */
    public static final String LABEL = "dev.pybudget.managed";
    /** Which of the two a container is: "workload" or "agent". */
    public static final String ROLE_LABEL = "dev.pybudget.role";
    static final String WORKDIR = "/workload";
    /** How long the agent and the workload may take to be ready unless {@link #withStartupTimeout} says otherwise. */
    static final Duration DEFAULT_STARTUP = Duration.ofSeconds(60);

    private final PythonImage image;
    private final List<String> workload = new ArrayList<>();
    private final OutputLog output = new OutputLog();
    private Optional<String> callPattern = Optional.empty();
    private CallCounting callCounting = CallCounting.AUTO;
    private boolean streamAudit;
    private Optional<String> user = Optional.empty();
    /** The optional families it records ({@link #withFamily}), as a {@link TraceOptions} holds them. */
    private TraceOptions families = TraceOptions.defaults();
    private WaitStrategy userWaitStrategy;
    private Optional<Duration> startupTimeout = Optional.empty();
    private AgentContainer agentContainer;
    private AgentClient agent;
    private volatile boolean exitAwaited;
    private volatile Optional<Integer> exitStatus = Optional.empty();

    public PythonWorkloadContainer(PythonImage image) {
        super(image.future());
        this.image = image;
        withLabel(LABEL, "true");
        withLabel(ROLE_LABEL, "workload");
        withWorkingDirectory(WORKDIR);
        withLogConsumer(this::onOutput);
    }

    /** Your own image, e.g. {@code "registry/checkout-service:1.4"}: a CPython with markers, {@code /bin/sh}, {@code mkfifo}. */
    public PythonWorkloadContainer(String image) {
        this(PythonImage.of(image));
    }

    /** Your own image: a CPython with markers, {@code /bin/sh}, {@code mkfifo}. */
    public PythonWorkloadContainer(DockerImageName image) {
        this(PythonImage.of(image));
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

    /**
     * Also records the optional probe family {@code name} ("kernel", "gil": {@link ProbeFamily#optionalNames()}).
     *
     * @throws IllegalArgumentException for any other name, in one sentence naming the optional families
     */
    public PythonWorkloadContainer withFamily(String name) {
        this.families = families.withFamily(name);
        return self();
    }

    /** Also records the kernel's side of each scope: off-CPU time, context switches, page faults, syscalls ({@code withFamily("kernel")}). */
    public PythonWorkloadContainer withKernelContext(boolean record) {
        this.families = families.withKernelContext(record);
        return self();
    }

    /**
     * Also records the waits for the GIL of each scope, timed on CPython's internal take_gil: the image's CPython
     * needs its symbol table or its build-id debug file (pybudget's images install {@code pythonX.Y-dbg});
     * {@code withFamily("gil")}.
     */
    public PythonWorkloadContainer withGilWaits(boolean record) {
        this.families = families.withGilWaits(record);
        return self();
    }

    /** Also streams each audit event with its time and thread. */
    public PythonWorkloadContainer withAuditStream(boolean stream) {
        this.streamAudit = stream;
        return self();
    }

    /**
     * Runs the workload as {@code user} ("name", "uid" or "uid:gid", as {@code docker run --user}); by default the
     * image's user. Not root, the workload cannot signal the agent at all; the agent then also holds
     * CAP_SYS_PTRACE, which reaching another user's files through {@code /proc/PID/root} needs.
     */
    public PythonWorkloadContainer withUser(String user) {
        this.user = Optional.of(user);
        return self();
    }

    /** Your wait strategy (port, log, HTTP) runs once the agent has attached; a workload that exits first fails the start at once. */
    @Override
    public PythonWorkloadContainer waitingFor(WaitStrategy waitStrategy) {
        this.userWaitStrategy = waitStrategy;
        return self();
    }

    /** How long the start may take, the agent's attach and your wait strategy together (default 60 s). */
    @Override
    public PythonWorkloadContainer withStartupTimeout(Duration timeout) {
        this.startupTimeout = Optional.of(timeout);
        return self();
    }

    public PythonImage getPythonImage() {
        return image;
    }

    /** The agent's container (the sidecar), while the workload runs: e.g. to inspect it. */
    public GenericContainer<?> getAgentContainer() {
        if (agentContainer == null) {
            throw new IllegalStateException("The workload container is not running: start it first.");
        }
        return agentContainer;
    }

    @Override
    protected void configure() {
        if (workload.isEmpty()) {
            throw new IllegalStateException("No workload command: call withCommand(\"python3\", \"app.py\").");
        }
        boolean otherUser = runsAsOtherUser();
        List<String> traceArgs = new ArrayList<>();
        callPattern.ifPresent(p -> traceArgs.addAll(List.of("--calls", p)));
        if (streamAudit) {
            traceArgs.add("--stream-audit");
        }
        families.families().forEach(name -> traceArgs.addAll(List.of("--family", name)));
        if (callCounting != CallCounting.AUTO) {
            traceArgs.addAll(List.of("--calls-by", callCounting.label()));
        }
        callPattern.ifPresent(this::addInProcessCallsEnvironment);
        agentContainer = AgentContainer.gated(traceArgs, otherUser);
        agentContainer.start();
        String agentId = agentContainer.getContainerId();

        List<String> command = new ArrayList<>(List.of("/bin/sh", "-c", AgentProtocol.GATE_SCRIPT));
        command.addAll(workload);
        setCommand(command.toArray(String[]::new));
        withCreateContainerCmdModifier(cmd -> {
            cmd.getHostConfig()
                    .withCapDrop(Capability.ALL)
                    .withSecurityOpts(List.of("no-new-privileges"))
                    .withPidMode("container:" + agentId);
            user.ifPresent(cmd::withUser);
        });
        setWaitStrategy(new SidecarWaitStrategy(agentContainer, this::workloadEnded, output, userWaitStrategy,
                startupTimeout.orElse(DEFAULT_STARTUP), startupTimeout.isPresent()));
    }

    /**
     * The variables that let the agent count calls inside the workload (3.12 and later, or {@link #withCallCounting}):
     * the counter's module is first on PYTHONPATH (yours, or the image's, follows it); the agent puts the module in
     * the workload's /tmp before it releases it, and only when it counts there.
     */
    private void addInProcessCallsEnvironment(String pattern) {
        String pythonPath = getEnvMap().get("PYTHONPATH");
        if (pythonPath == null) {
            try {
                String[] env = DockerClientFactory.instance().client().inspectImageCmd(getDockerImageName()).exec().getConfig().getEnv();
                for (String e : env == null ? new String[0] : env) {
                    if (e.startsWith("PYTHONPATH=")) {
                        pythonPath = e.substring("PYTHONPATH=".length());
                    }
                }
            } catch (NotFoundException e) {
                // Pulled at start: its PYTHONPATH is not known here.
            }
        }
        Tracer.inProcessCallsEnvironment(pattern, pythonPath).forEach(this::addEnv);
    }

    /** The workload's user is not root: by {@link #withUser} or by the image's USER. */
    private boolean runsAsOtherUser() {
        String who = user.orElseGet(() -> {
            try {
                String config = DockerClientFactory.instance().client().inspectImageCmd(getDockerImageName()).exec()
                        .getConfig().getUser();
                return config == null ? "" : config;
            } catch (NotFoundException e) {
                return ""; // pulled at start: the image's USER is then not known here; root is assumed
            }
        });
        String name = who.contains(":") ? who.substring(0, who.indexOf(':')) : who;
        return !(name.isEmpty() || name.equals("root") || name.equals("0"));
    }

    /**
     * Starts the agent's container, then the workload's, and waits until the probes are attached and your wait
     * strategy is satisfied. If anything fails, both containers are removed and one sentence says why.
     */
    @Override
    public void start() {
        try {
            super.start();
        } catch (RuntimeException e) {
            stop();
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof SidecarWaitStrategy.Failed ours) {
                    throw ours; // the one sentence, without Testcontainers' wrapping around it
                }
            }
            throw e;
        }
    }

    @Override
    protected void containerIsStarted(InspectContainerResponse info) {
        try {
            agent = agentContainer.connect(this::lastOutput);
        } catch (IOException e) {
            throw new AgentGoneException("The pybudget agent's port could not be reached: " + e.getMessage() + "; "
                    + agentContainer.gone().orElse("its container runs") + "; the workload's last output:" + System.lineSeparator()
                    + lastOutput(), e);
        }
    }

    @Override
    public void stop() {
        closeAgent();
        try {
            super.stop();
        } finally {
            if (agentContainer != null) {
                agentContainer.stop();
            }
        }
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
        return withExitStatus(agent().snapshot());
    }

    /** The agent cannot see the workload's exit status (it is not its parent): Docker has it. */
    private Recording withExitStatus(AgentClient.Snapshot snapshot) {
        Recording r = snapshot.recording();
        if (snapshot.running() || r.exitStatus().isPresent()) {
            return r;
        }
        Optional<Integer> status = awaitExitStatus();
        return status.isEmpty() ? r : new Recording(r.python(), r.probes(), r.missingProbes(), r.wallNanos(), r.whole(),
                r.lostEvents(), r.losses(), r.windows(), status, r.callPattern(), r.missingProbesReason());
    }

    /** The workload container's exit code, once Docker has seen it exit (it may lag the agent by a moment). */
    private Optional<Integer> awaitExitStatus() {
        for (long until = System.nanoTime() + 5_000_000_000L; exitStatus.isEmpty() && System.nanoTime() - until < 0; ) {
            workloadEnded();
            if (exitStatus.isEmpty()) {
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        return exitStatus;
    }

    /** Empty while the workload container runs; else a sentence with its exit status (and remembers the status). */
    Optional<String> workloadEnded() {
        String id = getContainerId();
        if (id == null) {
            return Optional.of("The workload container was never started");
        }
        InspectContainerResponse.ContainerState state;
        try {
            state = DockerClientFactory.instance().client().inspectContainerCmd(id).exec().getState();
        } catch (NotFoundException e) {
            return Optional.of("The workload container " + AgentContainer.shortId(id) + " has been removed");
        }
        if (Boolean.TRUE.equals(state.getRunning())) {
            return Optional.empty();
        }
        Long code = state.getExitCodeLong();
        if (code != null) {
            exitStatus = Optional.of(code.intValue());
        }
        return Optional.of("The workload exited" + AgentContainer.exitDescription(state));
    }

    @Override
    public WindowHandle openWindow(String name) {
        return AgentWindows.open(agent(), name);
    }

    /**
     * As {@link TracedWorkload#record}, in two round trips to the agent instead of four: it takes the snapshot
     * before opening the window and after closing it, in the same requests (a round trip through Docker's port
     * proxy costs about as much as a snapshot here).
     */
    @Override
    public Recording record(String name, Runnable work) {
        return AgentWindows.record(agent(), name, work, this::withExitStatus);
    }

    @Override
    public Recording awaitExit(Duration timeout) {
        AgentClient client = agent();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (client.call(client.request("status")).path("running").asBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                // Docker's stop: SIGTERM to the workload, SIGKILL 2 s later; the agent may not signal another user's process.
                try {
                    DockerClientFactory.instance().client().stopContainerCmd(getContainerId()).withTimeout(2).exec();
                } catch (DockerException e) {
                    // Stopped meanwhile.
                }
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        Recording last = withExitStatus(client.snapshot());
        exitAwaited = true;
        return last;
    }

    @Override
    public boolean exitAwaited() {
        return exitAwaited;
    }

    /** The workload's output so far (stdout and stderr, as the container printed them). */
    public String getWorkloadOutput() {
        return output.toString();
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
        output.append(text);
        (frame.getType() == OutputFrame.OutputType.STDERR ? System.err : System.out).print(text);
    }

    /** The tail of what the workload printed, for a sentence about it. */
    String lastOutput() {
        return output.tail(20, 2000);
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

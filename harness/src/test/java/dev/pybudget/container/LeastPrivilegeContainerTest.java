package dev.pybudget.container;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.HostConfig;
import dev.pybudget.junit.PythonPerfTest;
import dev.pybudget.junit.Workload;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.Container.ExecResult;
import org.testcontainers.containers.GenericContainer;
import dev.pybudget.support.PythonFixtures;

/**
 * Who holds which capability on the container path, measured: the workload's container holds none
 * ({@code --cap-drop ALL}, {@code no-new-privileges}); the agent's container holds CAP_SYS_ADMIN only; they
 * share the agent's pid namespace; no host directory is mounted; nothing is privileged. And what the workload
 * tries, to take more (the attempts that succeeded when the workload shared the agent's CAP_SYS_ADMIN), is refused.
 */
@PythonPerfTest
class LeastPrivilegeContainerTest {

    /** CAP_SYS_ADMIN is capability 21. */
    static final String ONLY_SYS_ADMIN = String.format("%016x", 1L << 21);
    static final String NONE = "0000000000000000";

    @Workload
    static PythonWorkloadContainer app = new PythonWorkloadContainer(PythonImage.CPYTHON_3_11)
            .withFixture(PythonFixtures.workload("security").toString())
            .withCommand("python3", "-c", "import time; time.sleep(600)");

    @Test
    void should_run_the_workload_with_no_capability_at_all_and_no_new_privileges() throws Exception {
        long pid = app.snapshot().python().pid();
        for (String file : new String[] {"/proc/self/status", "/proc/" + pid + "/status"}) {
            Map<String, String> status = status(app, file);
            assertThat(status.get("CapEff")).as("%s: effective capabilities", file).isEqualTo(NONE);
            assertThat(status.get("CapPrm")).as("%s: permitted", file).isEqualTo(NONE);
            assertThat(status.get("CapBnd")).as("%s: bounding set: nothing can be gained", file).isEqualTo(NONE);
            assertThat(status.get("CapAmb")).isEqualTo(NONE);
            assertThat(status.get("NoNewPrivs")).as("%s: no_new_privs", file).isEqualTo("1");
            assertThat(status.get("Seccomp")).as("%s: the default seccomp profile filters system calls", file).isEqualTo("2");
        }
        HostConfig host = inspect(app).getHostConfig();
        assertThat(host.getCapDrop()).containsExactly(Capability.ALL);
        assertThat(host.getCapAdd()).isNullOrEmpty();
        assertThat(host.getSecurityOpts()).containsExactly("no-new-privileges");
        assertThat(host.getPrivileged()).isFalse();
    }

    @Test
    void should_give_the_agent_alone_cap_sys_admin_as_the_first_process_of_the_shared_pid_namespace() throws Exception {
        GenericContainer<?> agent = app.getAgentContainer();
        Map<String, String> status = status(agent, "/proc/1/status");
        assertThat(exec(agent, "cat", "/proc/1/cmdline").replace('\0', ' ')).as("pid 1 of the agent's container")
                .startsWith("java ").contains("dev.pybudget.agent.AgentMain", "--gate");
        assertThat(status.get("CapEff")).as("the agent's effective capabilities").isEqualTo(ONLY_SYS_ADMIN);
        assertThat(status.get("CapBnd")).as("the agent's bounding set").isEqualTo(ONLY_SYS_ADMIN);
        assertThat(status.get("NoNewPrivs")).isEqualTo("1");
        assertThat(status.get("Seccomp")).isEqualTo("2");

        HostConfig agentHost = inspect(agent).getHostConfig();
        assertThat(agentHost.getCapDrop()).containsExactly(Capability.ALL);
        assertThat(agentHost.getCapAdd()).containsExactly(Capability.SYS_ADMIN);
        assertThat(agentHost.getPidMode()).as("the agent's own pid namespace").isNullOrEmpty();
        assertThat(inspect(app).getHostConfig().getPidMode()).as("the workload joins it")
                .isEqualTo("container:" + agent.getContainerId());
        // The workload sees the agent as pid 1, and its own CPython.
        assertThat(exec(app, "cat", "/proc/1/cmdline").replace('\0', ' ')).startsWith("java ");
        String hostNs = Files.readSymbolicLink(Path.of("/proc/self/ns/pid")).toString();
        String workloadNs = exec(app, "readlink", "/proc/self/ns/pid").strip();
        assertThat(workloadNs).startsWith("pid:[").isNotEqualTo(hostNs)
                .isEqualTo(exec(agent, "readlink", "/proc/self/ns/pid").strip());
    }

    @Test
    void should_mount_no_host_path_and_label_both_containers() {
        for (GenericContainer<?> c : new GenericContainer<?>[] {app, app.getAgentContainer()}) {
            InspectContainerResponse info = inspect(c);
            HostConfig host = info.getHostConfig();
            assertThat(info.getMounts()).as("mounts of the container").isNullOrEmpty();
            assertThat(host.getBinds()).as("bind mounts").isNullOrEmpty();
            assertThat(host.getPrivileged()).as("privileged").isFalse();
            assertThat(host.getDevices()).isNullOrEmpty();
            assertThat(host.getNetworkMode()).isNotEqualTo("host");
            assertThat(host.getIpcMode()).isNotEqualTo("host");
            assertThat(info.getConfig().getLabels()).as("labels: how leftovers are found")
                    .containsEntry(PythonWorkloadContainer.LABEL, "true")
                    .containsEntry("org.testcontainers.sessionId", DockerClientFactory.SESSION_ID);
        }
    }

    @Test
    void should_refuse_every_attempt_of_the_workload_to_take_more() throws Exception {
        String json = exec(app, "python3", "/workload/escape_attempts.py");
        Map<String, String> results = new TreeMap<>(new ObjectMapper().readValue(json.strip(), Map.class));
        System.out.println("escape attempts from the workload: " + results);
        assertThat(results).as("each attempt and the errno that refused it").containsExactlyInAnyOrderEntriesOf(Map.ofEntries(
                Map.entry("mount proc", "EPERM"),
                Map.entry("mount sysfs", "EPERM"),
                Map.entry("mount tmpfs", "EPERM"),
                Map.entry("mount bpf", "EPERM"),
                Map.entry("mount cgroup", "EPERM"),
                Map.entry("bpf map create", "EPERM"),
                Map.entry("bpf prog load", "EPERM"),
                Map.entry("perf_event_open", "EPERM"),
                Map.entry("unshare user+mount namespace", "EPERM"),
                Map.entry("unshare mount namespace", "EPERM"),
                Map.entry("unshare pid namespace", "EPERM"),
                Map.entry("write a cgroup file", "EROFS"),
                Map.entry("read /proc/1/environ (the agent's token)", "EACCES"),
                Map.entry("list /proc/1/root (the agent's files)", "EACCES"),
                Map.entry("ptrace the agent", "EPERM"),
                Map.entry("SIGKILL to the agent", "IGNORED"),
                Map.entry("SIGTERM to the agent", "IGNORED")));
        assertThat(app.snapshot().exitStatus()).as("the agent still serves, the workload still runs").isEmpty();
    }

    private static InspectContainerResponse inspect(GenericContainer<?> c) {
        return DockerClientFactory.instance().client().inspectContainerCmd(c.getContainerId()).exec();
    }

    private static String exec(GenericContainer<?> c, String... command) throws Exception {
        ExecResult result = c.execInContainer(command);
        assertThat(result.getExitCode()).as("%s: %s", String.join(" ", command), result.getStderr()).isZero();
        return result.getStdout();
    }

    /** "Name:\tvalue" lines of a /proc/PID/status file. */
    private static Map<String, String> status(GenericContainer<?> c, String file) throws Exception {
        return exec(c, "cat", file).lines().filter(l -> l.contains(":"))
                .collect(Collectors.toMap(l -> l.substring(0, l.indexOf(':')), l -> l.substring(l.indexOf(':') + 1).strip(),
                        (a, b) -> a));
    }
}

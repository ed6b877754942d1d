package dev.pybudget.container;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.HostConfig;
import dev.pybudget.junit.PythonPerfTest;
import dev.pybudget.junit.Workload;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.Container.ExecResult;

/**
 * The container pybudget starts: every capability dropped but CAP_SYS_ADMIN (loading BPF programs and
 * creating uprobes need it on these kernels), the default seccomp profile, its own pid namespace, no
 * host directory mounted (fixtures and the agent's classpath are copied in), not privileged.
 */
@PythonPerfTest
class LeastPrivilegeContainerTest {

    /** CAP_SYS_ADMIN is capability 21. */
    static final String ONLY_SYS_ADMIN = String.format("%016x", 1L << 21);

    @Workload
    static PythonWorkloadContainer app = new PythonWorkloadContainer(PythonImage.CPYTHON_3_11)
            .withFixture("python-fixtures/gc_churn.py")
            .withCommand("python3", "-c", "import time; time.sleep(600)");

    @Test
    void should_run_the_agent_as_pid_1_with_exactly_cap_sys_admin_and_seccomp_on() throws Exception {
        assertThat(ONLY_SYS_ADMIN).isEqualTo("0000000000200000");
        String cmdline = exec("cat", "/proc/1/cmdline").replace('\0', ' ');
        assertThat(cmdline).as("pid 1 of the container").startsWith("java ").contains("dev.pybudget.agent.AgentMain");

        Map<String, String> status = status("/proc/1/status");
        assertThat(status.get("CapEff")).as("the agent's effective capabilities").isEqualTo(ONLY_SYS_ADMIN);
        assertThat(status.get("CapPrm")).as("the agent's permitted capabilities").isEqualTo(ONLY_SYS_ADMIN);
        assertThat(status.get("CapBnd")).as("the container's bounding set: nothing else can be gained")
                .isEqualTo(ONLY_SYS_ADMIN);
        assertThat(status.get("CapAmb")).isEqualTo("0000000000000000");
        assertThat(status.get("Seccomp")).as("seccomp mode 2: the default profile filters system calls").isEqualTo("2");
    }

    @Test
    void should_give_the_container_its_own_pid_namespace() throws Exception {
        String containerNs = exec("readlink", "/proc/1/ns/pid").strip();
        String hostNs = Files.readSymbolicLink(Path.of("/proc/self/ns/pid")).toString();
        assertThat(containerNs).startsWith("pid:[").isNotEqualTo(hostNs);

        // Only the container's processes are visible: the agent (1), the traced python, and this exec.
        List<Integer> pids = Arrays.stream(exec("ls", "/proc").split("\\s+")).filter(s -> s.matches("\\d+"))
                .map(Integer::valueOf).toList();
        assertThat(pids).contains(1, (int) app.snapshot().python().pid()).hasSizeLessThan(10);
        assertThat(exec("cat", "/proc/" + app.snapshot().python().pid() + "/cmdline").replace('\0', ' '))
                .as("the traced workload is a child in the container").startsWith("/usr/bin/python3.11 -c");

        HostConfig host = inspect().getHostConfig();
        assertThat(host.getPidMode()).as("pid mode").isNullOrEmpty();
        assertThat(host.getIpcMode()).as("ipc mode").isNotEqualTo("host");
        assertThat(host.getNetworkMode()).as("network mode").isNotEqualTo("host");
        assertThat(host.getUsernsMode()).isNullOrEmpty();
    }

    @Test
    void should_mount_no_host_path_and_run_unprivileged_with_the_default_seccomp_profile() {
        InspectContainerResponse info = inspect();
        HostConfig host = info.getHostConfig();
        assertThat(info.getMounts()).as("mounts of the container").isNullOrEmpty();
        assertThat(host.getBinds()).as("bind mounts").isNullOrEmpty();
        assertThat(host.getMounts()).isNullOrEmpty();
        assertThat(host.getPrivileged()).as("privileged").isFalse();
        assertThat(host.getCapDrop()).containsExactly(Capability.ALL);
        assertThat(host.getCapAdd()).containsExactly(Capability.SYS_ADMIN);
        assertThat(host.getSecurityOpts()).as("security options: none, so the default seccomp and AppArmor profiles")
                .isNullOrEmpty();
        assertThat(host.getDevices()).isNullOrEmpty();
        assertThat(info.getConfig().getLabels()).as("labels: how leftovers are found")
                .containsEntry(PythonWorkloadContainer.LABEL, "true")
                .containsEntry("org.testcontainers.sessionId", DockerClientFactory.SESSION_ID);
    }

    private static InspectContainerResponse inspect() {
        return DockerClientFactory.instance().client().inspectContainerCmd(app.getContainerId()).exec();
    }

    private static String exec(String... command) throws Exception {
        ExecResult result = app.execInContainer(command);
        assertThat(result.getExitCode()).as("%s: %s", String.join(" ", command), result.getStderr()).isZero();
        return result.getStdout();
    }

    /** "Name:\tvalue" lines of a /proc/PID/status file. */
    private static Map<String, String> status(String file) throws Exception {
        return exec("cat", file).lines().filter(l -> l.contains(":"))
                .collect(Collectors.toMap(l -> l.substring(0, l.indexOf(':')), l -> l.substring(l.indexOf(':') + 1).strip(),
                        (a, b) -> a));
    }
}

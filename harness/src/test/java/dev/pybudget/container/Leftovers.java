package dev.pybudget.container;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.testcontainers.DockerClientFactory;

/**
 * What pybudget may leave behind on this host, found the way a person would (docker ps -a with our
 * label, the host's /proc) and attributed to this test JVM: this host runs other builds' containers
 * and agents too, so a container counts when it carries our label and this JVM's Testcontainers
 * session id, a process when it is this JVM or one of its children, or runs in such a container, or
 * in a container that no longer exists.
 */
final class Leftovers {
    private Leftovers() {}

    static final String SESSION_LABEL = "org.testcontainers.sessionId";
    static final String AGENT_CLASS = "dev.pybudget.agent.AgentMain";
    private static final Pattern CONTAINER_ID = Pattern.compile("[0-9a-f]{64}");

    /** Containers of this session with pybudget's label, running or not: docker ps -a --filter label=... */
    static List<String> containers() {
        List<String> found = new ArrayList<>();
        for (Container c : docker().listContainersCmd().withShowAll(true)
                .withLabelFilter(Map.of(PythonWorkloadContainer.LABEL, "true", SESSION_LABEL, DockerClientFactory.SESSION_ID))
                .exec()) {
            found.add(c.getId().substring(0, 12) + " " + c.getImage() + " " + c.getState());
        }
        return found;
    }

    /** Host processes of ours that run the agent ({@value #AGENT_CLASS} in the command line): pid -> command line. */
    static Map<Long, String> agentProcesses() {
        Map<Long, String> found = new TreeMap<>();
        for (long pid : pids()) {
            String cmdline = cmdline(pid);
            if (cmdline.contains(AGENT_CLASS) && isOurs(pid)) {
                found.put(pid, cmdline);
            }
        }
        return found;
    }

    /** Every host process of ours in a container (agent, traced workload, anything else): pid -> command line. */
    static Map<Long, String> containerProcesses() {
        Map<Long, String> found = new TreeMap<>();
        for (long pid : pids()) {
            if (containerOf(pid).isPresent() && isOurs(pid)) {
                found.put(pid, cmdline(pid));
            }
        }
        return found;
    }

    /**
     * BPF objects (links, programs, maps) and perf events held by processes of ours: "pid fd -> target".
     * A BPF link lives as long as an fd refers to it (pybudget pins nothing), so no such fd means no link.
     */
    static List<String> bpfFds() {
        List<String> found = new ArrayList<>();
        for (long pid : pids()) {
            if (!isOurs(pid)) {
                continue;
            }
            try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "fd"))) {
                for (Path fd : fds) {
                    String target;
                    try {
                        target = Files.readSymbolicLink(fd).toString();
                    } catch (IOException e) {
                        continue; // closed meanwhile
                    }
                    if (target.startsWith("anon_inode:bpf") || target.equals("anon_inode:[perf_event]")) {
                        found.add(pid + " " + fd.getFileName() + " -> " + target);
                    }
                }
            } catch (IOException e) {
                // The process ended meanwhile.
            }
        }
        return found;
    }

    /** This JVM or a process descended from it, or a process in a container of ours or in one that is gone. */
    static boolean isOurs(long pid) {
        Optional<String> container = containerOf(pid);
        if (container.isEmpty()) {
            return ProcessHandle.of(pid).map(Leftovers::descendsFromUs).orElse(false);
        }
        try {
            InspectContainerResponse info = docker().inspectContainerCmd(container.get()).exec();
            Map<String, String> labels = info.getConfig().getLabels();
            return labels != null && "true".equals(labels.get(PythonWorkloadContainer.LABEL))
                    && DockerClientFactory.SESSION_ID.equals(labels.get(SESSION_LABEL));
        } catch (NotFoundException e) {
            return true; // a process whose container was removed: nobody's, so ours to report
        }
    }

    private static boolean descendsFromUs(ProcessHandle p) {
        long self = ProcessHandle.current().pid();
        for (Optional<ProcessHandle> h = Optional.of(p); h.isPresent(); h = h.get().parent()) {
            if (h.get().pid() == self) {
                return true;
            }
        }
        return false;
    }

    /** The Docker container a host process runs in, from its cgroup path (/docker/ID or docker-ID.scope). */
    static Optional<String> containerOf(long pid) {
        try {
            Matcher m = CONTAINER_ID.matcher(Files.readString(Path.of("/proc", Long.toString(pid), "cgroup")));
            return m.find() ? Optional.of(m.group()) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static List<Long> pids() {
        List<Long> pids = new ArrayList<>();
        try (DirectoryStream<Path> proc = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString()
                .matches("\\d+"))) {
            proc.forEach(p -> pids.add(Long.valueOf(p.getFileName().toString())));
        } catch (IOException e) {
            throw new IllegalStateException("/proc cannot be listed", e);
        }
        return pids;
    }

    private static String cmdline(long pid) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")), StandardCharsets.UTF_8)
                    .replace('\0', ' ').strip();
        } catch (IOException e) {
            return "";
        }
    }

    private static DockerClient docker() {
        return DockerClientFactory.instance().client();
    }
}

package dev.pybudget.container;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pybudget.engine.Tracer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * After the suite, nothing of ours is left: no container with pybudget's label, no agent process, no
 * BPF link. This class runs last (junit-platform.properties orders classes by @Order; surefire runs
 * every class in one launcher request), so when it runs every other class has stopped its
 * containers. Its second test shows that each check finds what it looks for while a container runs.
 */
@Order(Integer.MAX_VALUE)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NothingLeftBehindTest {

    @Test
    @Order(1)
    void should_find_no_container_agent_process_or_bpf_link_left_by_the_classes_that_ran_before() {
        assertNothingLeft("after the classes that ran before this one");
    }

    @Test
    @Order(2)
    void should_find_a_running_containers_agent_and_links_and_nothing_once_it_is_stopped() {
        PythonWorkloadContainer app = new PythonWorkloadContainer(PythonImage.CPYTHON_3_11)
                .withCommand("python3", "-c", "import time; time.sleep(600)");
        try {
            app.start();
            String agentId = app.getAgentContainer().getContainerId();
            assertThat(Leftovers.containers()).as("docker ps -a, our label and session: the workload's and the agent's")
                    .hasSize(2).anySatisfy(c -> assertThat(c).startsWith(app.getContainerId().substring(0, 12)))
                    .anySatisfy(c -> assertThat(c).startsWith(agentId.substring(0, 12)));
            Map<Long, String> agents = Leftovers.agentProcesses();
            assertThat(agents).as("agent processes on the host").hasSize(1);
            long agent = agents.keySet().iterator().next();
            assertThat(Leftovers.containerOf(agent)).contains(agentId);
            assertThat(Leftovers.containerProcesses()).as("processes in our containers").containsKey(agent)
                    .containsValue("python3 -c import time; time.sleep(600)"); // the gate execs the command as given
            List<String> fds = Leftovers.bpfFds();
            assertThat(fds).as("BPF fds of ours").anyMatch(fd -> fd.endsWith("anon_inode:bpf_link"))
                    .allMatch(fd -> fd.startsWith(agent + " "));
        } finally {
            app.stop();
        }
        assertNothingLeft("once the container is stopped");
    }

    static void assertNothingLeft(String when) {
        // Traces in this JVM detach in the background and load the next trace's programs ahead: wait for
        // the one and free the other, as the engine's documentation says to before counting.
        Tracer.awaitDetached();
        assertThat(Leftovers.containers()).as("containers labelled %s of this session, %s", PythonWorkloadContainer.LABEL,
                when).isEmpty();
        assertThat(Leftovers.agentProcesses()).as("agent processes of ours, %s", when).isEmpty();
        assertThat(Leftovers.containerProcesses()).as("processes in containers of ours, %s", when).isEmpty();
        assertThat(Leftovers.bpfFds()).as("BPF links, programs, maps and perf events held by processes of ours, %s", when)
                .isEmpty();
    }
}

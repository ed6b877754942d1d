package dev.pybudget.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import dev.pybudget.container.PythonImage;
import dev.pybudget.container.PythonWorkloadContainer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherConfig;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.images.builder.Transferable;
import dev.pybudget.support.ContainerRuns;

/**
 * Two {@link PythonPerfTest} classes run at once (JUnit's parallel execution, enabled for this launch
 * only), each with its own container of the same image running the same script with different
 * amounts of work: the same python3.11 inode, often the same namespace pid, probes of two agents
 * attached at the same time. Each class's counts must equal its own oracle's, so nothing of the
 * other container leaks in.
 */
class ParallelContainersTest {

    /** Both classes' tests wait here for each other: their workloads then run while both are traced. */
    static volatile CyclicBarrier bothRunning;

    @Test
    void should_count_in_each_of_two_parallel_classes_only_what_its_own_container_did() {
        bothRunning = new CyclicBarrier(2);
        Results results = new Results();
        LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request()
                .selectors(selectClass(SmallWorkloadClass.class), selectClass(LargeWorkloadClass.class))
                .configurationParameter("junit.jupiter.execution.parallel.enabled", "true")
                .configurationParameter("junit.jupiter.execution.parallel.mode.default", "same_thread")
                .configurationParameter("junit.jupiter.execution.parallel.mode.classes.default", "concurrent")
                .configurationParameter("junit.jupiter.execution.parallel.config.strategy", "fixed")
                .configurationParameter("junit.jupiter.execution.parallel.config.fixed.parallelism", "2")
                .build();

        LauncherFactory.create(LauncherConfig.builder().enableLauncherSessionListenerAutoRegistration(false).build())
                .execute(request, results);

        assertThat(results.outcomes).as("outcome of each test of the two classes").hasSize(2)
                .allSatisfy((test, outcome) -> assertThat(outcome).as(test).isEqualTo("SUCCESSFUL"));
        assertThat(results.classFailures).as("failures of the classes themselves (container start, stop)").isEmpty();
        List<Instant[]> spans = new ArrayList<>(results.spans.values());
        assertThat(spans).hasSize(2);
        assertThat(spans.get(0)[0]).as("the two classes ran at the same time").isBefore(spans.get(1)[1]);
        assertThat(spans.get(1)[0]).as("the two classes ran at the same time").isBefore(spans.get(0)[1]);
        assertThat(results.threads.values()).as("on two threads").doesNotHaveDuplicates();
    }

    /** Records each test's outcome (with its failure) and each class's time span and thread. */
    private static final class Results implements TestExecutionListener {
        final Map<String, String> outcomes = new ConcurrentHashMap<>();
        final Map<String, String> classFailures = new ConcurrentHashMap<>();
        final Map<String, Instant[]> spans = new ConcurrentHashMap<>();
        final Map<String, String> threads = new ConcurrentHashMap<>();

        @Override
        public void executionStarted(TestIdentifier id) {
            if (isClass(id)) {
                spans.put(id.getUniqueId(), new Instant[] {Instant.now(), null});
                threads.put(id.getUniqueId(), Thread.currentThread().getName());
            }
        }

        @Override
        public void executionFinished(TestIdentifier id, TestExecutionResult result) {
            String outcome = result.getStatus() + result.getThrowable().map(t -> ": " + t).orElse("");
            if (id.isTest()) {
                outcomes.put(id.getUniqueId(), outcome);
            } else if (isClass(id)) {
                spans.get(id.getUniqueId())[1] = Instant.now();
                if (result.getStatus() != TestExecutionResult.Status.SUCCESSFUL) {
                    classFailures.put(id.getDisplayName(), outcome);
                }
            }
        }

        private static boolean isClass(TestIdentifier id) {
            return id.getSource().filter(s -> s instanceof org.junit.platform.engine.support.descriptor.ClassSource)
                    .isPresent();
        }
    }

    /**
     * Accepts one connection on port 9000 and, for each line "go N", runs N rounds of work in the
     * window "work"; "exit" ends the run through the oracle (python-fixtures/support/oracle.py), which writes
     * what CPython's own hooks saw.
     */
    static final String DRIVEN = """
            import os, sys
            sys.path.append(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))  # oracle.py
            import oracle; oracle.install()

            import gc
            import os
            import socket
            import sys


            class Node(object):
                def __init__(self, parent):
                    self.parent = parent          # a cycle: only the collector frees it
                    self.children = []


            def grow(depth, parent=None):
                node = Node(parent)
                if depth:
                    node.children = [grow(depth - 1, node) for _ in range(3)]
                return node


            def work(rounds):
                for r in range(rounds):
                    for i in range(150):
                        grow(4)
                    with open(os.devnull) as f:
                        f.read()
                    os.listdir(".")
                gc.collect(1)
                import colorsys, shlex


            server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            server.bind(("0.0.0.0", 9000))
            server.listen(1)
            print("listening on 9000", flush=True)
            conn, _ = server.accept()
            commands = conn.makefile("rb")
            while True:
                line = commands.readline()
                if not line.startswith(b"go "):
                    break
                sys.audit("pybudget.begin", "work")
                work(int(line.split()[1]))
                sys.audit("pybudget.end", "work")
                conn.sendall(b"done\\n")
            conn.close()
            oracle.finish()
            """;

    static PythonWorkloadContainer driven() {
        return ContainerRuns.withOracleImportable(new PythonWorkloadContainer(PythonImage.CPYTHON_3_11))
                .withCopyToContainer(Transferable.of(DRIVEN), "/workload/driven.py")
                .withEnv("PYBUDGET_ORACLE", OracleCheck.ORACLE)
                .withCommand("python3", "driven.py")
                .withCallPattern("*/driven.py:*")
                .withExposedPorts(9000)
                .waitingFor(Wait.forLogMessage(".*listening on 9000.*\\n", 1));
    }

    static void awaitTheOtherClass() throws Exception {
        bothRunning.await(120, TimeUnit.SECONDS);
    }

    @PythonPerfTest
    static class SmallWorkloadClass {
        @Workload
        static PythonWorkloadContainer app = driven();

        @Test
        void should_equal_its_own_oracle() throws Exception {
            awaitTheOtherClass();
            OracleCheck.driveAndCompare(app, 2, 3);
        }
    }

    @PythonPerfTest
    static class LargeWorkloadClass {
        @Workload
        static PythonWorkloadContainer app = driven();

        @Test
        void should_equal_its_own_oracle() throws Exception {
            awaitTheOtherClass();
            OracleCheck.driveAndCompare(app, 4, 5);
        }
    }
}

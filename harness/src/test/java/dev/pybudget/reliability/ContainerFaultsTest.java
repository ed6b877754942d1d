package dev.pybudget.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pybudget.container.AgentGoneException;
import dev.pybudget.container.PythonImage;
import dev.pybudget.container.PythonWorkloadContainer;
import dev.pybudget.junit.PythonPerfTest;
import dev.pybudget.junit.Recorder;
import dev.pybudget.junit.Workload;
import dev.pybudget.recording.ImportNode;
import dev.pybudget.recording.Recording;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.platform.engine.TestExecutionResult;
import org.opentest4j.AssertionFailedError;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.ContainerLaunchException;
import org.testcontainers.containers.wait.strategy.Wait;
import dev.pybudget.support.JUnitRun;
import dev.pybudget.support.PythonFixtures;

/**
 * Faults of the container path, seen the way a user's test sees them (each scenario is a small
 * {@link PythonPerfTest} class run through the JUnit launcher): the container killed or its agent
 * killed mid-recording, the container paused, the workload crashing during a test. Each ends in one
 * sentence, in seconds, never in a hang or a pile of exceptions.
 */
class ContainerFaultsTest {

    static PythonWorkloadContainer crashLater(String mode) {
        return new PythonWorkloadContainer(PythonImage.CPYTHON_3_11)
                .withFixture(PythonFixtures.workload("reliability/crash_later.py").toString())
                .withCommand("python3", "crash_later.py", mode)
                .waitingFor(Wait.forLogMessage("ready.*\\n", 1));
    }

    /** The container is killed (docker kill) while the test records. */
    @PythonPerfTest
    static class ContainerKilledMidRecording {
        @Workload
        static PythonWorkloadContainer app = crashLater("segv");
        static long killedAt;
        static long failedAt;
        static String id;

        @Test
        void records(Recorder recorder) {
            id = app.getContainerId();
            try {
                recorder.record("doomed", () -> {
                    DockerClientFactory.instance().client().killContainerCmd(app.getContainerId()).exec();
                    killedAt = System.nanoTime();
                });
            } finally {
                failedAt = System.nanoTime();
            }
        }
    }

    /** The agent, its container's first process, is killed with SIGKILL from the host while the test records. */
    @PythonPerfTest
    static class AgentKilledMidRecording {
        @Workload
        static PythonWorkloadContainer app = crashLater("segv");
        static long killedAt;
        static long failedAt;
        static String id;
        static String agentId;

        @Test
        void records(Recorder recorder) {
            id = app.getContainerId();
            agentId = app.getAgentContainer().getContainerId();
            try {
                recorder.record("doomed", () -> {
                    long hostPid = DockerClientFactory.instance().client().inspectContainerCmd(app.getAgentContainer()
                            .getContainerId()).exec().getState().getPidLong();
                    assertThat(ProcessHandle.of(hostPid).orElseThrow().info().command().orElse(""))
                            .as("the agent container's first process is the agent's java").endsWith("java");
                    ProcessHandle.of(hostPid).orElseThrow().destroyForcibly();
                    killedAt = System.nanoTime();
                });
            } finally {
                failedAt = System.nanoTime();
            }
        }
    }

    /** The workload segfaults in the middle of a test that asserts on what it recorded and passes. */
    @PythonPerfTest
    static class WorkloadCrashesDuringTest {
        @Workload
        static PythonWorkloadContainer app = crashLater("segv");
        static boolean assertionsRan;

        @Test
        void records(Recorder recorder) throws Exception {
            Recording r = recorder.record("crash", () -> {
                // From the host: an exec inside a container whose first process dies does not return on Docker 20.10.
                DockerClientFactory.instance().client().killContainerCmd(app.getContainerId()).withSignal("USR1").exec();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (app.snapshot().exitStatus().isEmpty() && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
            });
            assertThat(r.exitStatus()).contains(139);
            Recording all = recorder.sinceTestStart();
            assertThat(app.snapshot().window("work").orElseThrow().sections().allImports()).extracting(ImportNode::module)
                    .contains("json", "decimal");
            assertThat(all.exitStatus()).contains(139);
            assertionsRan = true;
        }
    }

    @Test
    void should_fail_the_test_in_one_sentence_when_the_workload_container_is_killed_mid_recording() {
        JUnitRun.Result result = JUnitRun.launch(ContainerKilledMidRecording.class);

        JUnitRun.Outcome test = result.single();
        assertThat(test.status()).isEqualTo(TestExecutionResult.Status.FAILED);
        assertThat(test.thrown().getMessage()).as("the agent outlives the workload: it recorded up to the kill, and the test"
                + " fails because the workload died").matches("(?s)The workload in field 'app' died during this test \\(killed by signal 9"
                + " \\(SIGKILL\\): exit status 137\\); what it recorded up to then is in .*\\.json\\.");
        long millis = TimeUnit.NANOSECONDS.toMillis(ContainerKilledMidRecording.failedAt - ContainerKilledMidRecording.killedAt);
        System.out.printf("workload container killed mid-recording: the test failed %d ms after the kill (whole class %d ms)%n",
                millis, result.millis());
        assertThat(millis).as("from the kill to the failure").isLessThan(5_000);
        assertRemoved(ContainerKilledMidRecording.id);
    }

    @Test
    void should_fail_in_one_sentence_within_seconds_when_the_agent_is_killed_mid_recording() {
        JUnitRun.Result result = JUnitRun.launch(AgentKilledMidRecording.class);

        JUnitRun.Outcome test = result.single();
        assertThat(test.status()).isEqualTo(TestExecutionResult.Status.FAILED);
        assertThat(test.thrown()).isInstanceOf(AgentGoneException.class);
        assertThat(test.thrown().getSuppressed()).as("one failure, not a pile: %s", (Object) test.thrown().getSuppressed()).isEmpty();
        assertThat(firstLine(test.thrown())).matches("The pybudget agent stopped while the workload ran: its container [0-9a-f]{12}"
                + " has stopped \\(exit code 137: killed by signal 9\\), so the recording ends there and cannot be trusted \\(.*\\)\\.");
        assertThat(test.thrown().getMessage()).contains("The workload's last output:", "ready");
        long millis = TimeUnit.NANOSECONDS.toMillis(AgentKilledMidRecording.failedAt - AgentKilledMidRecording.killedAt);
        System.out.printf("agent killed mid-recording: the test failed %d ms after the kill (whole class %d ms)%n",
                millis, result.millis());
        assertThat(millis).as("from the kill to the failure").isLessThan(5_000);
        assertRemoved(AgentKilledMidRecording.id);
        assertRemoved(AgentKilledMidRecording.agentId);
    }

    @Test
    void should_stop_a_workload_that_never_exits_at_the_timeout_and_keep_what_it_recorded() {
        try (PythonWorkloadContainer app = new PythonWorkloadContainer(PythonImage.CPYTHON_3_11)
                .withFixture(PythonFixtures.workload("crash.py").toString()).withCommand("python3", "crash.py", "hang")
                .waitingFor(Wait.forLogMessage("hanging\\n", 1))) {
            app.start();
            long start = System.nanoTime();
            Recording r = app.awaitExit(Duration.ofSeconds(3));
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

            assertThat(millis).as("awaitExit returned after its 3 s").isBetween(3_000L, 8_000L);
            assertThat(r.exitDescription()).isEqualTo("killed by signal 15 (SIGTERM): exit status 143");
            assertThat(r.window("work").orElseThrow().sections().allImports()).extracting(ImportNode::module)
                    .contains("json", "decimal");
            assertThat(r.window("work").orElseThrow().sections().gc().collections(2)).isPositive();
            assertThat(app.snapshot()).as("the agent keeps serving the final recording").isEqualTo(r);
        }
    }

    @Test
    void should_say_so_after_the_answer_limit_when_the_agent_is_frozen_in_a_running_container() throws Exception {
        try (PythonWorkloadContainer app = crashLater("segv")) {
            app.start();
            assertThat(app.snapshot().exitStatus()).isEmpty();
            ProcessHandle agent = ProcessHandle.of(DockerClientFactory.instance().client().inspectContainerCmd(
                    app.getAgentContainer().getContainerId()).exec().getState().getPidLong()).orElseThrow();
            signal("STOP", agent.pid());
            String before = System.getProperty("pybudget.agentAnswerSeconds");
            System.setProperty("pybudget.agentAnswerSeconds", "3");
            try {
                long start = System.nanoTime();
                Throwable thrown = catchThrowable(app::snapshot);
                long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                System.out.printf("agent frozen (SIGSTOP), answer limit 3 s: snapshot() failed after %d ms%n", millis);

                assertThat(thrown).isInstanceOf(AgentGoneException.class);
                assertThat(firstLine(thrown)).isEqualTo("The pybudget agent stopped answering while its container runs:"
                        + " no answer to 'snapshot' within 3 s.");
                assertThat(millis).isBetween(3_000L, 6_000L);
            } finally {
                if (before == null) {
                    System.clearProperty("pybudget.agentAnswerSeconds");
                } else {
                    System.setProperty("pybudget.agentAnswerSeconds", before);
                }
                signal("CONT", agent.pid());
            }
        }
    }

    @Test
    void should_fail_the_start_within_seconds_with_the_exit_status_and_last_lines_when_the_workload_dies_before_it_is_ready() {
        long start = System.nanoTime();
        Throwable thrown;
        try (PythonWorkloadContainer app = new PythonWorkloadContainer(PythonImage.CPYTHON_3_11)
                .withCommand("python3", "-c", "print('checkout service starting', flush=True); import checkout_settings")
                .withExposedPorts(8000)
                .waitingFor(Wait.forHttp("/").forPort(8000))
                .withStartupTimeout(Duration.ofSeconds(20))) {
            thrown = catchThrowable(app::start);
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        System.out.printf("workload dead at start (ModuleNotFoundError), HTTP wait, startup timeout 20 s: start failed after %d ms%n",
                millis);

        assertThat(thrown).isInstanceOf(ContainerLaunchException.class);
        assertThat(firstLine(thrown)).isEqualTo("The workload exited (exit code 1) before it was ready; its last output:");
        assertThat(thrown.getMessage()).contains("checkout service starting",
                "ModuleNotFoundError: No module named 'checkout_settings'");
        assertThat(millis).as("the start fails as soon as the workload exits, not at the startup timeout").isLessThan(10_000);
        assertNothingExitedLeftBehind();
    }

    @Test
    void should_honour_the_users_startup_timeout_for_a_workload_that_never_gets_ready() {
        long start = System.nanoTime();
        Throwable thrown;
        try (PythonWorkloadContainer app = new PythonWorkloadContainer(PythonImage.CPYTHON_3_11)
                .withCommand("python3", "-c", "import time; time.sleep(600)")
                .withExposedPorts(8000)
                .waitingFor(Wait.forHttp("/").forPort(8000))
                .withStartupTimeout(Duration.ofSeconds(4))) {
            thrown = catchThrowable(app::start);
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        System.out.printf("workload never ready, startup timeout 4 s: start failed after %d ms%n", millis);

        assertThat(thrown).isInstanceOf(ContainerLaunchException.class);
        assertThat(firstLine(thrown)).startsWith("The workload was not ready: ");
        assertThat(millis).as("the user's 4 s, plus starting two containers").isBetween(4_000L, 15_000L);
        assertNothingExitedLeftBehind();
    }

    /** Neither container of a failed start stays behind, running or exited. */
    private static void assertNothingExitedLeftBehind() {
        assertThat(DockerClientFactory.instance().client().listContainersCmd().withShowAll(true)
                .withLabelFilter(java.util.Map.of(PythonWorkloadContainer.LABEL, "true",
                        "org.testcontainers.sessionId", DockerClientFactory.SESSION_ID))
                .exec()).as("containers of this test JVM that are not running")
                .filteredOn(c -> !"running".equals(c.getState())).isEmpty();
    }

    private static void signal(String name, long pid) throws Exception {
        assertThat(new ProcessBuilder("kill", "-" + name, String.valueOf(pid)).start().waitFor()).isZero();
    }

    /** A container that died mid-test is removed all the same when its test class ends. */
    private static void assertRemoved(String id) {
        assertThat(id).isNotNull();
        assertThat(catchThrowable(() -> DockerClientFactory.instance().client().inspectContainerCmd(id).exec()))
                .as("container %s is gone", id).isInstanceOf(com.github.dockerjava.api.exception.NotFoundException.class);
    }

    @Test
    void should_fail_a_test_during_which_the_workload_died_even_when_its_assertions_pass() throws Exception {
        WorkloadCrashesDuringTest.assertionsRan = false;
        JUnitRun.Result result = JUnitRun.launch(WorkloadCrashesDuringTest.class);

        JUnitRun.Outcome test = result.single();
        assertThat(WorkloadCrashesDuringTest.assertionsRan).as("the test's assertions ran on the recording").isTrue();
        assertThat(test.status()).isEqualTo(TestExecutionResult.Status.FAILED);
        assertThat(test.thrown()).isInstanceOf(AssertionFailedError.class);
        assertThat(test.thrown().getSuppressed()).isEmpty();
        Matcher m = Pattern.compile("The workload in field 'app' died during this test \\(killed by signal 11 \\(SIGSEGV\\):"
                + " exit status 139\\); what it recorded up to then is in (.*\\.json)\\.").matcher(test.thrown().getMessage());
        assertThat(m.matches()).as("the sentence: %s", test.thrown().getMessage()).isTrue();
        JsonNode dump = new ObjectMapper().readTree(Files.readString(Path.of(m.group(1))));
        assertThat(dump.path("exitStatus").asInt()).isEqualTo(139);
        assertThat(dump.path("windows").findValuesAsText("name")).contains("crash");
    }

    @Test
    void should_say_so_at_once_when_the_agents_container_is_paused() {
        try (PythonWorkloadContainer app = crashLater("segv")) {
            app.start();
            assertThat(app.snapshot().exitStatus()).isEmpty();
            String agentId = app.getAgentContainer().getContainerId();
            DockerClientFactory.instance().client().pauseContainerCmd(agentId).exec();
            try {
                long start = System.nanoTime();
                Throwable thrown = catchThrowable(app::snapshot);
                long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                System.out.printf("container paused: snapshot() failed after %d ms%n", millis);

                assertThat(thrown).isInstanceOf(AgentGoneException.class);
                assertThat(firstLine(thrown)).matches("The pybudget agent's container [0-9a-f]{12} is paused, so it"
                        + " cannot answer \\(no answer to 'snapshot'\\)\\.");
                assertThat(millis).as("a paused container is noticed within a slice of the read").isLessThan(3_000);
                long again = System.nanoTime();
                assertThat(catchThrowable(() -> app.openWindow("later"))).isInstanceOf(AgentGoneException.class)
                        .hasMessage(thrown.getMessage());
                assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - again)).as("later calls fail at once").isLessThan(100);
            } finally {
                DockerClientFactory.instance().client().unpauseContainerCmd(agentId).exec();
            }
        }
    }

    private static String firstLine(Throwable t) {
        return t.getMessage().lines().findFirst().orElse("");
    }
}

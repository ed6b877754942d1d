package dev.pybudget.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pybudget.container.PythonImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;

/**
 * {@code trace --attach CONTAINER} as a user runs it (its own JVM, no Ryuk variable): the probes go onto the CPython
 * already running in a container someone else started, count what it does from then on, and on --timeout (or a
 * signal) detach: the report and the JSON are written, the exit status is timeout(1)'s, the container runs on.
 */
class AttachCliTest {

    /** Says "ready", then raises one audit event "tick" every 10 ms, forever. */
    private static final String TICKER = "import sys, time\nprint('ready', flush=True)\nwhile True:\n"
            + "    sys.audit('tick')\n    time.sleep(0.01)\n";

    @TempDir
    Path tmp;

    @Test
    void should_attach_to_a_running_container_count_from_then_on_and_detach_at_the_timeout_leaving_it_running()
            throws Exception {
        String name = "pybudget-attach-cli-" + UUID.randomUUID();
        try (GenericContainer<?> service = new GenericContainer<>(PythonImage.CPYTHON_3_11.future())
                .withCreateContainerCmdModifier(cmd -> cmd.withName(name))
                .withCommand("python3", "-c", TICKER)
                .waitingFor(Wait.forLogMessage("ready\\n", 1))) {
            service.start();
            Path json = tmp.resolve("attached.json");
            try (ChildCli cli = ChildCli.start(tmp, env -> env.remove("TESTCONTAINERS_RYUK_DISABLED"), "trace",
                    "--json", json.toString(), "--timeout", "10s", "--attach", name)) {
                CliRun run = cli.await(120);

                assertThat(run.status()).as("stdout: %s stderr: %s", run.out(), run.err()).isEqualTo(124);
                assertThat(run.errLines()).last().isEqualTo("pybudget: --timeout 10s reached: the probes were detached"
                        + " (the container runs on); the report holds what it did until then.");
                JsonNode root = new ObjectMapper().readTree(json.toFile());
                assertThat(root.path("python").path("attachedAfterNanos").asLong())
                        .as("attached to a process that ran before").isPositive();
                long ticks = 0;
                for (JsonNode audit : root.path("audit")) {
                    if (audit.path("event").asText().equals("tick")) {
                        ticks = audit.path("count").asLong();
                    }
                }
                // The ticker sleeps 10 ms after each tick: at most one per 10 ms of the recording, which starts at the attach.
                long wallNanos = root.path("wallNanos").asLong();
                assertThat(ticks).as("tick events counted in the %d ms attached", wallNanos / 1_000_000)
                        .isPositive().isLessThanOrEqualTo(wallNanos / 10_000_000 + 1);
                assertThat(run.out()).contains("tick").endsWith("JSON report: " + json + System.lineSeparator());
            }
            assertThat(service.isRunning()).as("the container runs on after the probes were detached").isTrue();
            assertThat(service.getLogs()).as("no error in the service after the detach").doesNotContain("Traceback");
        }
    }

    @Test
    void should_refuse_a_workload_given_with_attach_in_one_sentence() throws Exception {
        CliRun run = CliRun.run("trace", "--attach", "some-service", "--", "python3", "app.py");
        assertThat(run.status()).isEqualTo(2);
        assertThat(run.errLines()).containsExactly("pybudget: --attach traces what already runs in that container: give no"
                + " workload, --container or --publish with it. " + Main.USAGE);
    }

    @Test
    void should_refuse_an_optional_family_with_attach_in_one_sentence() throws Exception {
        for (List<String> flag : List.of(List.of("--family", "kernel"), List.of("--kernel"), List.of("--gil"))) {
            List<String> args = new ArrayList<>(List.of("trace", "--attach", "some-service"));
            args.addAll(flag);
            CliRun run = CliRun.run(args.toArray(String[]::new));
            assertThat(run.status()).as("%s", flag).isEqualTo(2);
            assertThat(run.errLines()).as("%s", flag).containsExactly("pybudget: --attach records the interpreter's own"
                    + " probes only: --family, --kernel and --gil need a workload that pybudget starts (-- PYTHON SCRIPT, or"
                    + " --container). " + Main.USAGE);
        }
    }

    @Test
    void should_say_so_in_one_sentence_when_there_is_no_such_container() throws Exception {
        CliRun run = CliRun.run("trace", "--attach", "pybudget-no-such-container-" + UUID.randomUUID());
        assertThat(run.status()).isEqualTo(2);
        assertThat(run.errLines()).singleElement().asString().startsWith("pybudget: No container pybudget-no-such-container-")
                .endsWith(" to attach to.");
    }
}

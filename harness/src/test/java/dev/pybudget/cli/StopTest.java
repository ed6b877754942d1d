package dev.pybudget.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import dev.pybudget.support.Pythons;
import dev.pybudget.support.PythonFixtures;

/**
 * Stopping a workload that runs until stopped (a server), on this host: by --timeout, by SIGTERM to the
 * command line, by a terminal's Ctrl-C (SIGINT to the command line's whole process group). Each time the
 * workload is stopped (nothing of it left running), the report of what it did is printed and the JSON
 * written, and the exit status says why: 124 as timeout(1), 128+N for signal N.
 */
class StopTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Imports something, says it is up, then serves nothing forever; SIGINT would raise KeyboardInterrupt. */
    private static final String SERVER = """
            import json, sys, time
            open(sys.argv[1], 'w').write('up')
            while True:
                time.sleep(0.05)
            """;

    @TempDir
    Path tmp;

    @Test
    void should_stop_the_workload_at_the_timeout_report_write_the_json_and_exit_124() throws Exception {
        Path script = server();
        Path json = tmp.resolve("timeout.json");
        long start = System.nanoTime();

        CliRun run = CliRun.run("trace", "--timeout", "2s", "--json", json.toString(), "--",
                Pythons.debian().toString(), script.toString(), tmp.resolve("up").toString());

        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertThat(run.status()).as("stderr: %s", run.err()).isEqualTo(124);
        assertThat(run.errLines()).containsExactly("pybudget: --timeout 2s reached: the workload was stopped; the report"
                + " holds what it did until then.");
        assertThat(took).as("stopped at the timeout, SIGTERM obeyed at once").isBetween(Duration.ofSeconds(2),
                Duration.ofSeconds(10));
        JsonNode root = JSON.readTree(json.toFile());
        assertThat(root.path("exitStatus").asInt()).as("the workload died of the SIGTERM").isEqualTo(128 + 15);
        assertThat(run.out()).contains("killed by signal 15 (SIGTERM): exit status 143")
                .contains("| json").endsWith("JSON report: " + json + System.lineSeparator());
        assertNothingLeftRunning(script, root);
    }

    @Test
    void should_not_stop_a_workload_that_ends_before_the_timeout() throws Exception {
        CliRun run = CliRun.run("trace", "--timeout", "1m", "--", Pythons.debian().toString(),
                PythonFixtures.workload("crash.py").toString(), "exit3");

        assertThat(run.status()).isEqualTo(3);
        assertThat(run.err()).isEmpty();
        assertThat(run.out()).contains("exited with status 3");
    }

    /**
     * SIGTERM (kill) to the command line alone; SIGINT to its whole process group, as a terminal's Ctrl-C
     * (the workload runs in a session of its own, so Python never sees the SIGINT: no KeyboardInterrupt);
     * SIGHUP to the group, as when the terminal closes (the workload, in its own session, would outlive it).
     */
    @ParameterizedTest(name = "{0} to the {1}")
    @CsvSource({"TERM, command line, 143", "INT, process group, 130", "HUP, process group, 129"})
    void should_stop_the_workload_on_a_signal_report_write_the_json_and_exit_128_plus_the_signal(String signal,
            String target, int status) throws Exception {
        Path script = server();
        Path up = tmp.resolve("up");
        Path json = tmp.resolve("signal.json");
        try (ChildCli cli = ChildCli.start(tmp, env -> { }, "trace", "--json", json.toString(), "--",
                Pythons.debian().toString(), script.toString(), up.toString())) {
            awaitFile(up, cli);

            if (target.equals("command line")) {
                cli.signal(signal);
            } else {
                cli.signalGroup(signal);
            }
            CliRun run = cli.await(30);

            assertThat(run.status()).as("stderr: %s", run.err()).isEqualTo(status);
            assertThat(run.errLines()).containsExactly("pybudget: SIG" + signal + " received: the workload was stopped;"
                    + " the report holds what it did until then.");
            assertThat(run.err() + run.out()).doesNotContain("KeyboardInterrupt").doesNotContain("Traceback");
            JsonNode root = JSON.readTree(json.toFile());
            assertThat(root.path("exitStatus").asInt()).as("the command line stopped it with SIGTERM").isEqualTo(143);
            assertThat(run.out()).startsWith("pybudget: " + Pythons.DEBIAN + " (CPython 3.11.2), pid "
                            + root.at("/python/pid").asLong())
                    .contains("killed by signal 15 (SIGTERM): exit status 143")
                    .contains("| json").endsWith("JSON report: " + json + System.lineSeparator());
            assertNothingLeftRunning(script, root);
        }
    }

    private Path server() throws Exception {
        // A name of its own per test, so that a leftover is this test's and nobody else's.
        return Files.writeString(tmp.resolve("server-" + UUID.randomUUID() + ".py"), SERVER);
    }

    private static void awaitFile(Path file, ChildCli cli) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!Files.exists(file)) {
            assertThat(cli.isAlive()).as("the command line runs; stderr: %s", cli.err()).isTrue();
            assertThat(System.nanoTime()).as("the workload did not start within 60 s").isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    private static void assertNothingLeftRunning(Path script, JsonNode root) throws Exception {
        assertThat(ProcessHandle.of(root.at("/python/pid").asLong()).filter(ProcessHandle::isAlive))
                .as("the workload's process").isEmpty();
        assertThat(ChildCli.processesMentioning(script.toString())).as("processes running the script").isEmpty();
    }
}

package dev.pybudget.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code trace --container cpython-3.11 --publish HOST:8000} of a traced HTTP server, run as a user runs
 * it: its own JVM, without TESTCONTAINERS_RYUK_DISABLED (the command line needs no Ryuk). The server
 * answers on the host's port; a signal to the command line stops it, and the command line prints the
 * report, writes the JSON, exits 128+N, leaves no container, and prints no logging noise (no SLF4J or
 * Testcontainers lines).
 */
class ContainerStopTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Answers every GET with "traced TOKEN"; quiet (no access log). */
    private static final String SERVER = """
            import sys
            from http.server import BaseHTTPRequestHandler, HTTPServer

            class Handler(BaseHTTPRequestHandler):
                def do_GET(self):
                    body = ('traced ' + sys.argv[1]).encode()
                    self.send_response(200)
                    self.send_header('Content-Length', str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)

                def log_message(self, *args):
                    pass

            HTTPServer(('0.0.0.0', 8000), Handler).serve_forever()
            """;

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "SIG{0}")
    @CsvSource({"TERM, 143", "INT, 130"})
    void should_publish_the_port_then_on_a_signal_stop_the_container_report_and_write_the_json(String signal, int status)
            throws Exception {
        Path work = Files.createDirectories(tmp.resolve("work"));
        Files.writeString(work.resolve("server.py"), SERVER);
        String token = UUID.randomUUID().toString();
        int hostPort = freePort();
        Path json = tmp.resolve("server.json");
        try (ChildCli cli = ChildCli.start(work, env -> env.remove("TESTCONTAINERS_RYUK_DISABLED"), "trace", "--json",
                json.toString(), "--container", "cpython-3.11", "--publish", hostPort + ":8000", "--",
                "python3", "server.py", token)) {
            long start = System.nanoTime();
            assertThat(awaitAnswer(hostPort, cli)).as("the traced server, through the published port")
                    .isEqualTo("traced " + token);
            System.out.printf("container up and answering on the host's port after %d ms%n",
                    Duration.ofNanos(System.nanoTime() - start).toMillis());

            cli.signal(signal);
            CliRun run = cli.await(60);

            assertThat(run.status()).as("stdout: %s stderr: %s", run.out(), run.err()).isEqualTo(status);
            // The agent's one status line (the container's own output is passed through), then the stop.
            assertThat(run.errLines()).last().isEqualTo("pybudget: SIG" + signal + " received: the workload was stopped;"
                    + " the report holds what it did until then.");
            assertThat(run.errLines().subList(0, run.errLines().size() - 1))
                    .allSatisfy(line -> assertThat(line).startsWith("pybudget-agent: probes attached"));
            String all = run.out() + run.err();
            assertThat(all).as("no logging noise").doesNotContain("SLF4J").doesNotContainIgnoringCase("ryuk")
                    .doesNotContainIgnoringCase("testcontainers").doesNotContain("Exception");
            JsonNode root = JSON.readTree(json.toFile());
            assertThat(root.path("exitStatus").asInt()).as("the agent stopped it with SIGTERM").isEqualTo(143);
            assertThat(root.path("imports")).as("the server's imports were recorded").isNotEmpty();
            assertThat(run.out()).startsWith("pybudget: /usr/bin/python3")
                    .contains("killed by signal 15 (SIGTERM): exit status 143")
                    .contains("| http.server")
                    .endsWith("JSON report: " + json + System.lineSeparator());
            assertThat(containersRunning(token)).as("containers with the workload's token").isEmpty();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** GET http://127.0.0.1:PORT/ until it answers (the image may be built first: up to 3 minutes). */
    private static String awaitAnswer(int port, ChildCli cli) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (System.nanoTime() < deadline) {
            if (!cli.isAlive()) {
                fail("the command line exited before the server answered; stdout: " + cli.out() + " stderr: " + cli.err());
            }
            try {
                HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + "/").toURL().openConnection();
                c.setConnectTimeout(1000);
                c.setReadTimeout(1000);
                try (InputStream in = c.getInputStream()) {
                    return new String(in.readAllBytes(), StandardCharsets.UTF_8);
                }
            } catch (IOException e) {
                Thread.sleep(200);
            }
        }
        return fail("the server did not answer on the host's port " + port + " within 3 minutes; stderr: " + cli.err());
    }

    /** docker ps -a: the containers (running or not) whose command holds {@code token}. */
    private static List<String> containersRunning(String token) throws Exception {
        Process ps = new ProcessBuilder("docker", "ps", "-a", "--no-trunc", "--format", "{{.ID}} {{.Command}}")
                .redirectErrorStream(true).start();
        String output = new String(ps.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(ps.waitFor()).as("docker ps: %s", output).isZero();
        return output.lines().filter(line -> line.contains(token)).toList();
    }
}

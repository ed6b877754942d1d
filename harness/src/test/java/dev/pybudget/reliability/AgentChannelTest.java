package dev.pybudget.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.Ports;
import dev.pybudget.agent.AgentProtocol;
import dev.pybudget.container.PythonImage;
import dev.pybudget.container.PythonWorkloadContainer;
import dev.pybudget.recording.Recording;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.wait.strategy.Wait;
import dev.pybudget.support.PythonFixtures;

/**
 * The agent's channel, probed from outside as anyone on this host could: it is published on the
 * loopback interface only, it serves only connections that start with a hello carrying the
 * container's token, and after that every malformed request gets an error line while the agent
 * keeps serving, the harness's own connection included.
 */
class AgentChannelTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    static PythonWorkloadContainer app = new PythonWorkloadContainer(PythonImage.CPYTHON_3_11)
            .withFixture(PythonFixtures.workload("reliability/crash_later.py").toString())
            .withCommand("python3", "crash_later.py", "segv")
            .waitingFor(Wait.forLogMessage("ready.*\\n", 1));

    @BeforeAll
    static void start() {
        app.start();
    }

    @AfterAll
    static void stop() {
        app.stop();
    }

    /** A raw connection to the agent's published port. */
    static final class Raw implements AutoCloseable {
        final Socket socket = new Socket();
        final InputStream in;
        final OutputStream out;

        Raw() throws IOException {
            socket.connect(new InetSocketAddress("127.0.0.1", app.getAgentContainer().getMappedPort(AgentProtocol.PORT)), 5000);
            socket.setSoTimeout(15_000);
            in = socket.getInputStream();
            out = socket.getOutputStream();
        }

        JsonNode send(byte[] line) throws IOException {
            out.write(line);
            out.write('\n');
            out.flush();
            return answer();
        }

        JsonNode send(String line) throws IOException {
            return send(line.getBytes(StandardCharsets.UTF_8));
        }

        JsonNode answer() throws IOException {
            String line = readLine();
            assertThat(line).as("an answer line").isNotNull();
            return JSON.readTree(line);
        }

        String readLine() throws IOException {
            StringBuilder s = new StringBuilder();
            for (int b = in.read(); b != '\n'; b = in.read()) {
                if (b < 0) {
                    return s.length() == 0 ? null : s.toString();
                }
                s.append((char) b);
            }
            return s.toString();
        }

        /** True when the agent closed the connection (end of stream within the socket's timeout). */
        boolean closedByAgent() throws IOException {
            try {
                return in.read() < 0;
            } catch (SocketTimeoutException e) {
                return false;
            } catch (IOException e) {
                return true; // reset
            }
        }

        Raw authenticated() throws IOException {
            JsonNode hello = send("{\"op\":\"hello\",\"id\":1,\"token\":\"" + token() + "\"}");
            assertThat(hello.path("ok").asBoolean()).as("hello with the token: %s", hello).isTrue();
            assertThat(hello.path("protocol").asInt()).isEqualTo(AgentProtocol.VERSION);
            return this;
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    /** The token, as anyone who may inspect the container (and so is root on this host) can read it. */
    static String token() {
        return Arrays.stream(inspect().getConfig().getEnv()).filter(e -> e.startsWith(AgentProtocol.TOKEN_ENV + "="))
                .map(e -> e.substring(e.indexOf('=') + 1)).findFirst().orElseThrow();
    }

    static InspectContainerResponse inspect() {
        return DockerClientFactory.instance().client().inspectContainerCmd(app.getAgentContainer().getContainerId()).exec();
    }

    @Test
    void should_publish_the_agents_port_on_the_loopback_interface_only() {
        Ports.Binding[] bindings = inspect().getNetworkSettings().getPorts().getBindings().get(ExposedPort.tcp(AgentProtocol.PORT));

        assertThat(bindings).isNotEmpty();
        assertThat(bindings).extracting(Ports.Binding::getHostIp).containsOnly("127.0.0.1");
    }

    @Test
    void should_not_hand_the_token_to_the_workload() throws Exception {
        long pid = app.snapshot().python().pid();
        String environ = app.execInContainer("sh", "-c", "tr '\\0' '\\n' < /proc/" + pid + "/environ").getStdout();

        assertThat(environ).as("the workload's environment").contains("PATH=").doesNotContain(AgentProtocol.TOKEN_ENV);
    }

    @Test
    void should_refuse_and_close_a_connection_that_does_not_start_with_the_tokens_hello() throws Exception {
        record Case(String what, byte[] first, String error) {}
        List<Case> cases = List.of(
                new Case("a request before hello", bytes("{\"op\":\"snapshot\",\"id\":7}"),
                        "a connection must start with a hello that carries the token"),
                new Case("a hello without token", bytes("{\"op\":\"hello\"}"), "wrong token"),
                new Case("a hello with a wrong token", bytes("{\"op\":\"hello\",\"token\":\"" + "0".repeat(48) + "\"}"),
                        "wrong token"),
                new Case("a stop before hello", bytes("{\"op\":\"stop\"}"), "a connection must start with a hello that carries the token"),
                new Case("HTTP", bytes("GET / HTTP/1.1\r\nHost: x\r\n"), "the request is not JSON; a connection must start with a hello"),
                new Case("TLS-ish binary", new byte[] {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, (byte) 0xfc, (byte) 0xff},
                        "the request is not JSON; a connection must start with a hello"));
        for (Case c : cases) {
            try (Raw raw = new Raw()) {
                JsonNode answer = raw.send(c.first());
                assertThat(answer.path("ok").asBoolean()).as(c.what()).isFalse();
                assertThat(answer.path("error").asText()).as(c.what()).isEqualTo(c.error());
                assertThat(answer.has("recording")).as(c.what()).isFalse();
                assertThat(raw.closedByAgent()).as("%s: the agent closed the connection", c.what()).isTrue();
            }
        }
        assertThat(app.snapshot().exitStatus()).as("the workload was not stopped").isEmpty();
    }

    @Test
    void should_close_a_connection_that_says_nothing() throws Exception {
        try (Raw raw = new Raw()) {
            long start = System.nanoTime();
            JsonNode answer = raw.answer();
            long millis = (System.nanoTime() - start) / 1_000_000;

            assertThat(answer.path("error").asText()).isEqualTo("no hello within " + AgentProtocol.HELLO_TIMEOUT_MS + " ms");
            assertThat(millis).isBetween(AgentProtocol.HELLO_TIMEOUT_MS - 500L, AgentProtocol.HELLO_TIMEOUT_MS + 5_000L);
            assertThat(raw.closedByAgent()).isTrue();
        }
    }

    @Test
    void should_answer_each_malformed_request_with_an_error_and_keep_serving() throws Exception {
        record Case(String what, byte[] line, String error) {}
        byte[] oversize = new byte[4 * 1024 * 1024];
        Arrays.fill(oversize, (byte) '{');
        List<Case> cases = List.of(
                new Case("garbage", bytes("garbage"), "the request is not JSON"),
                new Case("an empty line", bytes(""), "the request is not a JSON object"),
                new Case("not UTF-8", new byte[] {(byte) 0xff, (byte) 0xfe, '{', (byte) 0xc3, '}'}, "the request is not JSON"),
                new Case("NUL bytes", new byte[] {'{', 0, 0, '}'}, "the request is not JSON"),
                new Case("a JSON array", bytes("[1,2,3]"), "the request is not a JSON object"),
                new Case("a JSON string", bytes("\"snapshot\""), "the request is not a JSON object"),
                new Case("no op", bytes("{\"id\":3}"), "unknown op ''"),
                new Case("a wrong op", bytes("{\"op\":\"rm -rf /\"}"), "unknown op 'rm -rf /'"),
                new Case("an op that is not a string", bytes("{\"op\":{\"x\":1}}"), "unknown op ''"),
                new Case("open without a name", bytes("{\"op\":\"open\"}"), "A window needs a name."),
                new Case("close of a window never opened", bytes("{\"op\":\"close\",\"window\":123456}"), "no open window 123456"),
                new Case("close with a window that is not a number", bytes("{\"op\":\"close\",\"window\":\"abc\"}"),
                        "no open window \"abc\""),
                new Case("a line of 4 MiB", oversize, "the request is longer than " + AgentProtocol.MAX_LINE + " bytes"),
                new Case("truncated JSON", bytes("{\"op\":\"snapshot\""), "the request is not JSON"));
        try (Raw raw = new Raw().authenticated()) {
            for (Case c : cases) {
                JsonNode answer = raw.send(c.line());
                assertThat(answer.path("ok").asBoolean()).as(c.what()).isFalse();
                assertThat(answer.path("error").asText()).as(c.what()).isEqualTo(c.error());
                JsonNode status = raw.send("{\"op\":\"status\",\"id\":9}");
                assertThat(status.path("ok").asBoolean()).as("after %s, the same connection is served", c.what()).isTrue();
                assertThat(status.path("running").asBoolean()).as("after %s, the workload runs", c.what()).isTrue();
            }
            // Java windows: four at most open at once, the fifth refused; all closed again.
            List<Integer> opened = new ArrayList<>();
            for (int i = 0; i < AgentProtocol.MAX_CLIENTS; i++) {
                JsonNode answer = raw.send("{\"op\":\"open\",\"name\":\"raw-" + i + "\"}");
                if (i < 4) {
                    assertThat(answer.path("ok").asBoolean()).as("window %d", i).isTrue();
                    opened.add(answer.path("window").asInt());
                } else {
                    assertThat(answer.path("error").asText()).isEqualTo("At most 4 windows can be open from Java at once.");
                }
            }
            for (int id : opened) {
                assertThat(raw.send("{\"op\":\"close\",\"window\":" + id + "}").path("ok").asBoolean()).isTrue();
            }
            JsonNode snapshot = raw.send("{\"op\":\"snapshot\",\"id\":\"s\"}");
            assertThat(snapshot.path("id").asText()).isEqualTo("s");
            assertThat(snapshot.path("recording").path("schema").asInt()).isEqualTo(1);
        }
        Recording r = app.snapshot();
        assertThat(r.exitStatus()).as("the harness's own connection still works; the workload runs").isEmpty();
        assertThat(r.window("raw-0")).isPresent();
    }

    @Test
    void should_answer_open_and_close_with_a_snapshot_only_when_asked() throws Exception {
        try (Raw raw = new Raw().authenticated()) {
            JsonNode plain = raw.send("{\"op\":\"open\",\"name\":\"plain\"}");
            assertThat(plain.has("recording")).as("a plain open: no recording").isFalse();
            assertThat(raw.send("{\"op\":\"close\",\"window\":" + plain.path("window").asInt() + "}").has("recording")).isFalse();

            JsonNode opened = raw.send("{\"op\":\"open\",\"name\":\"paired\",\"snapshot\":true}");
            assertThat(opened.path("ok").asBoolean()).isTrue();
            assertThat(opened.path("recording").path("schema").asInt()).as("the snapshot before the window").isEqualTo(1);
            assertThat(opened.path("running").asBoolean()).isTrue();
            assertThat(opened.path("recording").path("windows").findValuesAsText("name")).doesNotContain("paired");
            JsonNode closed = raw.send("{\"op\":\"close\",\"window\":" + opened.path("window").asInt() + ",\"snapshot\":true}");
            assertThat(closed.path("ok").asBoolean()).isTrue();
            assertThat(closed.path("recording").path("wallNanos").asLong()).as("the snapshot after it")
                    .isGreaterThan(opened.path("recording").path("wallNanos").asLong());
            assertThat(closed.path("recording").path("windows").findValuesAsText("name")).contains("paired");
        }
    }

    @Test
    void should_keep_the_reading_before_a_recorded_window_and_answer_only_what_happened_in_it() throws Exception {
        try (Raw raw = new Raw()) {
            JsonNode hello = raw.send("{\"op\":\"hello\",\"token\":\"" + token() + "\"}");
            assertThat(hello.path("record").asBoolean()).as("the hello says the agent records windows: %s", hello).isTrue();

            JsonNode opened = raw.send("{\"op\":\"open\",\"name\":\"recorded\",\"record\":true}");
            assertThat(opened.path("ok").asBoolean()).isTrue();
            assertThat(opened.has("recording")).as("an open to record answers no recording").isFalse();
            long pauseUntil = System.nanoTime() + 20_000_000L;
            while (System.nanoTime() < pauseUntil) {
                Thread.onSpinWait();
            }
            JsonNode closed = raw.send("{\"op\":\"close\",\"window\":" + opened.path("window").asInt() + ",\"record\":true}");
            assertThat(closed.path("ok").asBoolean()).as("%s", closed).isTrue();
            assertThat(closed.path("running").asBoolean()).isTrue();
            JsonNode during = closed.path("recording");
            assertThat(during.path("schema").asInt()).isEqualTo(1);
            assertThat(during.path("windows").findValuesAsText("name")).contains("recorded");
            JsonNode snapshot = raw.send("{\"op\":\"snapshot\"}").path("recording");
            assertThat(during.path("wallNanos").asLong()).as("the time between the two readings, not since the start")
                    .isBetween(20_000_000L, snapshot.path("wallNanos").asLong() - 1);
            assertThat(during.path("imports")).as("the workload's start-up imports came before the window").isEmpty();

            JsonNode plain = raw.send("{\"op\":\"open\",\"name\":\"plain\"}");
            JsonNode refused = raw.send("{\"op\":\"close\",\"window\":" + plain.path("window").asInt() + ",\"record\":true}");
            assertThat(refused.path("ok").asBoolean()).isFalse();
            assertThat(refused.path("error").asText()).isEqualTo("window " + plain.path("window").asInt() + " was closed, but it"
                    + " was opened without \"record\": true, so there is no reading from before it to compare with");
            assertThat(raw.send("{\"op\":\"close\",\"window\":" + plain.path("window").asInt() + "}").path("error").asText())
                    .as("the refused close closed the window all the same").startsWith("no open window");
        }
    }

    @Test
    void should_serve_a_bounded_number_of_connections_and_take_new_ones_when_they_close() throws Exception {
        List<Raw> open = new ArrayList<>();
        try {
            // The harness's own connection is one of them.
            for (int i = 0; i < AgentProtocol.MAX_CLIENTS - 1; i++) {
                open.add(new Raw().authenticated());
            }
            try (Raw refused = new Raw()) {
                JsonNode answer = refused.answer();
                assertThat(answer.path("error").asText())
                        .isEqualTo("the agent already serves " + AgentProtocol.MAX_CLIENTS + " connections; close one first");
                assertThat(refused.closedByAgent()).isTrue();
            }
            assertThat(app.snapshot().exitStatus()).as("the harness's connection is still served").isEmpty();
        } finally {
            for (Raw raw : open) {
                raw.close();
            }
        }
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (true) {
            try (Raw again = new Raw()) {
                JsonNode hello = again.send("{\"op\":\"hello\",\"token\":\"" + token() + "\"}");
                if (hello.path("ok").asBoolean()) {
                    break;
                }
                assertThat(System.nanoTime()).as("a closed connection frees its place: %s", hello).isLessThan(deadline);
            }
            Thread.sleep(50);
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}

package dev.pybudget.container;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pybudget.agent.AgentProtocol;
import dev.pybudget.agent.LineReader;
import dev.pybudget.recording.Recording;
import dev.pybudget.report.JsonReport;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The test JVM's end of {@link AgentProtocol}: one request at a time, each answered or failed with a sentence.
 *
 * <p>Waiting for an answer never outlives the container: the socket is read in slices of
 * {@link #SLICE_MS}, and between slices the container's state is asked; a container that stopped or
 * was paused ends the wait at once with {@link AgentGoneException}. A container that runs but whose
 * agent says nothing for {@link #answerLimit()} (a wedged agent) ends it too. Once the agent is gone,
 * every later call fails at once with the same sentence.
 */
final class AgentClient implements AutoCloseable {

    /**
     * How long a running agent may take to answer one request (a snapshot of a large recording is the
     * slowest): 60 s, or the system property {@value #ANSWER_LIMIT_PROPERTY} in seconds.
     */
    static final String ANSWER_LIMIT_PROPERTY = "pybudget.agentAnswerSeconds";
    static final int SLICE_MS = 500;
    /** How long a broken channel waits for the container's state to show that it stopped. */
    static final Duration SETTLE = Duration.ofSeconds(2);

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Socket socket;
    private final LineReader in;
    private final OutputStream out;
    private final String token;
    /** Why the agent cannot answer now (its container stopped, paused), as the start of a sentence, or empty while it runs. */
    private final Supplier<Optional<String>> containerGone;
    /** The container's last output, to append to a sentence. */
    private final Supplier<String> lastOutput;
    private long nextId = 1;
    private String gone;
    /** Whether the agent keeps a window's first reading itself ("record", see AgentProtocol); known from its hello. */
    private boolean agentRecords;

    AgentClient(String host, int port, String token, Supplier<Optional<String>> containerGone, Supplier<String> lastOutput)
            throws IOException {
        this(host, port, 5000, token, containerGone, lastOutput);
    }

    AgentClient(String host, int port, int connectMillis, String token, Supplier<Optional<String>> containerGone,
                Supplier<String> lastOutput) throws IOException {
        this.socket = new Socket();
        socket.connect(new InetSocketAddress(host, port), connectMillis);
        socket.setSoTimeout(SLICE_MS);
        socket.setTcpNoDelay(true); // one small request per answer: Nagle would hold it for the agent's delayed ACK
        this.in = new LineReader(socket.getInputStream(), Integer.MAX_VALUE - 16);
        this.out = socket.getOutputStream();
        this.token = token;
        this.containerGone = containerGone;
        this.lastOutput = lastOutput;
    }

    synchronized JsonNode call(ObjectNode request) {
        if (gone != null) {
            throw new AgentGoneException(gone);
        }
        request.put("id", nextId++);
        String line;
        try {
            byte[] json = JSON.writeValueAsBytes(request);
            byte[] bytes = java.util.Arrays.copyOf(json, json.length + 1);
            bytes[json.length] = '\n';
            out.write(bytes);
            out.flush();
            line = awaitLine(request.path("op").asText());
        } catch (IOException e) {
            throw gone("the agent's channel failed: " + e.getMessage(), e, true);
        }
        if (line == null) {
            throw gone("the agent closed its channel", null, true);
        }
        JsonNode response;
        try {
            response = JSON.readTree(line);
        } catch (IOException e) {
            throw new IllegalStateException("The pybudget agent answered '" + request.path("op").asText()
                    + "' with something that is not JSON: use one pybudget version for the harness and the container.", e);
        }
        if (!response.path("ok").asBoolean()) {
            throw new IllegalStateException("The pybudget agent refused '" + request.path("op").asText() + "': "
                    + response.path("error").asText());
        }
        return response;
    }

    /** The answer line, or null when the agent closed the channel. */
    private String awaitLine(String op) throws IOException {
        Duration limit = answerLimit();
        long deadline = System.nanoTime() + limit.toNanos();
        while (true) {
            try {
                return in.readLine();
            } catch (SocketTimeoutException slice) {
                if (containerGone.get().isPresent()) {
                    throw gone("no answer to '" + op + "'", null, false);
                }
                if (System.nanoTime() - deadline > 0) {
                    throw gone("no answer to '" + op + "' within " + limit.toSeconds() + " s", null, false);
                }
            }
        }
    }

    static Duration answerLimit() {
        return Duration.ofSeconds(Math.max(1, Long.getLong(ANSWER_LIMIT_PROPERTY, 60)));
    }

    /**
     * The one sentence: what happened to the container, then its last output on the following lines.
     * Remembered for later calls.
     *
     * @param settle the channel broke: the container is probably stopping, give its state a moment to say so
     */
    private AgentGoneException gone(String channel, Throwable cause, boolean settle) {
        String state = containerGone.get().orElse(null);
        for (long until = System.nanoTime() + SETTLE.toNanos(); settle && state == null && System.nanoTime() - until < 0; ) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            state = containerGone.get().orElse(null);
        }
        String sentence = state != null ? state + " (" + channel + ")."
                : "The pybudget agent stopped answering while its container runs: " + channel + ".";
        gone = sentence + System.lineSeparator() + "The workload's last output:" + System.lineSeparator() + lastOutput.get();
        try {
            socket.close();
        } catch (IOException e) {
            // Closing a broken channel: nothing more to learn.
        }
        return cause == null ? new AgentGoneException(gone) : new AgentGoneException(gone, cause);
    }

    ObjectNode request(String op) {
        return JSON.createObjectNode().put("op", op);
    }

    JsonNode hello() {
        JsonNode hello = call(request("hello").put("token", token));
        if (hello.path("protocol").asInt() != AgentProtocol.VERSION) {
            throw new IllegalStateException("The pybudget agent in the container speaks protocol " + hello.path("protocol")
                    + ", this harness " + AgentProtocol.VERSION + ": use one pybudget version for both.");
        }
        agentRecords = hello.path("record").asBoolean(false);
        return hello;
    }

    /** The recording so far, and whether the traced process still ran when it was taken. */
    record Snapshot(Recording recording, boolean running) {}

    Snapshot snapshot() {
        return snapshotIn(call(request("snapshot")));
    }

    private static Snapshot snapshotIn(JsonNode answer) {
        return new Snapshot(JsonReport.fromJson(answer.path("recording")), answer.path("running").asBoolean(true));
    }

    /** A window opened with the recording taken just before it opened. */
    record Opened(int window, Snapshot before) {}

    /** Opens a window, and takes the snapshot before it, in one round trip. */
    Opened openAfterSnapshot(String name) {
        JsonNode answer = call(request("open").put("name", name).put("snapshot", true));
        return new Opened(answer.path("window").asInt(), snapshotIn(answer));
    }

    /** Closes a window, and takes the snapshot after it, in one round trip. */
    Snapshot closeThenSnapshot(int window) {
        return snapshotIn(call(request("close").put("window", window).put("snapshot", true)));
    }

    /** Whether {@link #openToRecord} and {@link #closeWithRecord} can be used: the agent said so in its hello. */
    boolean agentRecords() {
        return agentRecords;
    }

    /** Opens a window; the agent keeps the reading from just before it for {@link #closeWithRecord}. */
    int openToRecord(String name) {
        return call(request("open").put("name", name).put("record", true)).path("window").asInt();
    }

    /** Closes a window opened by {@link #openToRecord}: what happened in the process while it was open, the window included. */
    Snapshot closeWithRecord(int window) {
        return snapshotIn(call(request("close").put("window", window).put("record", true)));
    }

    int open(String name) {
        return call(request("open").put("name", name)).path("window").asInt();
    }

    void close(int window) {
        call(request("close").put("window", window));
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}

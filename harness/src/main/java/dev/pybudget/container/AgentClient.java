package dev.pybudget.container;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pybudget.agent.AgentProtocol;
import dev.pybudget.recording.Recording;
import dev.pybudget.report.JsonReport;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

/** The test JVM's end of {@link AgentProtocol}: one request at a time, each answered or failed with a sentence. */
final class AgentClient implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Socket socket;
    private final BufferedReader in;
    private final OutputStream out;
    /** Says why the agent may have gone (the container's state and last log lines). */
    private final Supplier<String> diagnosis;
    private long nextId = 1;

    AgentClient(String host, int port, Supplier<String> diagnosis) throws IOException {
        this.socket = new Socket();
        socket.connect(new InetSocketAddress(host, port), 5000);
        socket.setSoTimeout(60_000);
        // One small request, then wait for its answer: without this, Nagle's algorithm and the peer's
        // delayed ACK add ~40 ms to a round trip.
        socket.setTcpNoDelay(true);
        this.in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
        this.out = socket.getOutputStream();
        this.diagnosis = diagnosis;
    }

    synchronized JsonNode call(ObjectNode request) {
        request.put("id", nextId++);
        try {
            out.write(line(request));
            out.flush();
            String line = in.readLine();
            if (line == null) {
                throw new AgentGoneException("The pybudget agent closed its channel mid-recording: " + diagnosis.get());
            }
            JsonNode response = JSON.readTree(line);
            if (!response.path("ok").asBoolean()) {
                throw new IllegalStateException("The pybudget agent refused '" + request.path("op").asText() + "': "
                        + response.path("error").asText());
            }
            return response;
        } catch (IOException e) {
            throw new AgentGoneException("The pybudget agent stopped answering (" + e.getMessage() + "): " + diagnosis.get(), e);
        }
    }

    /** The request as one JSON line, written in one call: one segment on the wire. */
    private static byte[] line(ObjectNode request) throws IOException {
        byte[] json = JSON.writeValueAsBytes(request);
        byte[] line = java.util.Arrays.copyOf(json, json.length + 1);
        line[json.length] = '\n';
        return line;
    }

    ObjectNode request(String op) {
        return JSON.createObjectNode().put("op", op);
    }

    JsonNode hello() {
        JsonNode hello = call(request("hello"));
        if (hello.path("protocol").asInt() != AgentProtocol.VERSION) {
            throw new IllegalStateException("The pybudget agent in the container speaks protocol " + hello.path("protocol")
                    + ", this harness " + AgentProtocol.VERSION + ": use one pybudget version for both.");
        }
        return hello;
    }

    Recording snapshot() {
        return JsonReport.fromJson(call(request("snapshot")).path("recording"));
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

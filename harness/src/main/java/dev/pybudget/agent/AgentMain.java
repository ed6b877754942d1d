package dev.pybudget.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pybudget.engine.JavaWindow;
import dev.pybudget.engine.Trace;
import dev.pybudget.engine.TraceException;
import dev.pybudget.engine.TraceOptions;
import dev.pybudget.engine.Tracer;
import dev.pybudget.report.JsonReport;
import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The agent: the container's entrypoint. It starts the workload with the probes attached, then
 * serves the test JVM over {@link AgentProtocol}. The workload's stdout and stderr are the
 * container's; the agent says only two things on stderr: {@link AgentProtocol#READY} or
 * {@link AgentProtocol#ERROR} with the reason.
 *
 * <p>{@code java -cp ... dev.pybudget.agent.AgentMain [--port N] [--calls PATTERN] [--stream-audit] -- python3 app.py}
 */
public final class AgentMain {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Trace trace;
    private final Map<Integer, JavaWindow> windows = new ConcurrentHashMap<>();
    private final AtomicInteger nextWindow = new AtomicInteger();

    private AgentMain(Trace trace) {
        this.trace = trace;
    }

    public static void main(String[] args) {
        int port = AgentProtocol.PORT;
        TraceOptions options = TraceOptions.defaults();
        List<String> command = new ArrayList<>();
        try {
            int i = 0;
            for (; i < args.length && !args[i].equals("--"); i++) {
                switch (args[i]) {
                    case "--port" -> port = Integer.parseInt(args[++i]);
                    case "--calls" -> options = options.withCallPattern(args[++i]);
                    case "--stream-audit" -> options = options.withStreamAudit(true);
                    case "--lenient-probes" -> options = options.withRequireProbes(false);
                    default -> throw new IllegalArgumentException("unknown agent option " + args[i]);
                }
            }
            command.addAll(List.of(args).subList(Math.min(i + 1, args.length), args.length));
            if (command.isEmpty()) {
                throw new IllegalArgumentException("no workload command after --");
            }
        } catch (RuntimeException e) {
            fail(e.getMessage() == null ? e.toString() : e.getMessage());
            return;
        }
        Trace trace;
        try {
            trace = Tracer.start(new ProcessBuilder(command).inheritIO(), options);
        } catch (TraceException | IllegalArgumentException e) {
            fail(e.getMessage());
            return;
        }
        AgentMain agent = new AgentMain(trace);
        Thread finisher = new Thread(trace::finish, "pybudget-finish");
        finisher.setDaemon(true);
        finisher.start();
        try (ServerSocket server = new ServerSocket()) {
            server.setReuseAddress(true);
            server.bind(new InetSocketAddress(port));
            System.err.println(AgentProtocol.READY + " (pid " + trace.pid() + ", port " + port + ")");
            System.err.flush();
            while (true) {
                Socket client = server.accept();
                Thread serving = new Thread(() -> agent.serve(client), "pybudget-client");
                serving.setDaemon(true);
                serving.start();
            }
        } catch (IOException e) {
            trace.close();
            fail("the agent's port " + port + " could not be served: " + e.getMessage());
        }
    }

    private static void fail(String sentence) {
        System.err.println(AgentProtocol.ERROR + sentence);
        System.err.flush();
        System.exit(2);
    }

    /** One client: answer each line; a bad line gets an error answer and the agent keeps serving. */
    private void serve(Socket client) {
        try (client;
             BufferedReader in = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.UTF_8));
             OutputStream out = new BufferedOutputStream(client.getOutputStream(), 1 << 16)) {
            // Request, answer, request: without this, Nagle's algorithm holds the answer's last segment until
            // the client's delayed ACK, ~40 ms per round trip.
            client.setTcpNoDelay(true);
            String line;
            while ((line = in.readLine()) != null) {
                ObjectNode response = answer(line);
                out.write(JSON.writeValueAsBytes(response));
                out.write('\n');
                out.flush(); // the whole answer in one write
            }
        } catch (IOException e) {
            // The client went away: nothing to answer.
        }
    }

    ObjectNode answer(String line) {
        ObjectNode response = JSON.createObjectNode();
        JsonNode request;
        if (line.length() > AgentProtocol.MAX_LINE) {
            return error(response, "the request is longer than " + AgentProtocol.MAX_LINE + " characters");
        }
        try {
            request = JSON.readTree(line);
        } catch (IOException e) {
            return error(response, "the request is not JSON");
        }
        if (request == null || !request.isObject()) {
            return error(response, "the request is not a JSON object");
        }
        response.set("id", request.path("id"));
        try {
            switch (request.path("op").asText("")) {
                case "hello" -> {
                    response.put("protocol", AgentProtocol.VERSION).put("pid", trace.pid()).put("python", trace.pythonVersion());
                }
                case "snapshot" -> response.set("recording", JsonReport.toJson(trace.snapshot()));
                case "open" -> {
                    String name = request.path("name").asText("");
                    int id = nextWindow.getAndIncrement();
                    windows.put(id, trace.openWindow(name));
                    response.put("window", id);
                }
                case "close" -> {
                    JavaWindow window = windows.remove(request.path("window").asInt(-1));
                    if (window == null) {
                        return error(response, "no open window " + request.path("window"));
                    }
                    window.close();
                }
                case "stop" -> trace.close();
                case "status" -> {
                    response.put("running", trace.isRunning());
                    if (!trace.isRunning()) {
                        response.put("exitStatus", trace.snapshot().exitStatus().orElse(-1));
                    }
                }
                default -> {
                    return error(response, "unknown op '" + request.path("op").asText("") + "'");
                }
            }
        } catch (IllegalArgumentException | IllegalStateException | TraceException e) {
            return error(response, e.getMessage());
        }
        return response.put("ok", true);
    }

    private static ObjectNode error(ObjectNode response, String sentence) {
        return response.put("ok", false).put("error", sentence);
    }
}

package dev.pybudget.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.jna.NativeLibrary;
import dev.pybudget.bindings.JnaStart;
import dev.pybudget.engine.CallCounting;
import dev.pybudget.engine.JavaWindow;
import dev.pybudget.engine.Trace;
import dev.pybudget.engine.TraceException;
import dev.pybudget.engine.TraceOptions;
import dev.pybudget.engine.Tracer;
import dev.pybudget.engine.WindowedRun;
import dev.pybudget.recording.Recording;
import dev.pybudget.report.JsonReport;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The agent: the container's entrypoint. It starts the workload with the probes attached, then
 * serves the test JVM over {@link AgentProtocol}. The workload's stdout and stderr are the
 * container's; the agent says only two things on stderr: {@link AgentProtocol#READY} or
 * {@link AgentProtocol#ERROR} with the reason.
 *
 * <p>{@code java -cp ... dev.pybudget.agent.AgentMain [--port N] [--calls PATTERN] [--stream-audit] [--family NAME]... -- python3 app.py}
 */
public final class AgentMain {

    /**
     * Jackson's first ObjectMapper costs a cold JVM 0.2–0.4 s of class loading; nothing needs it before
     * the first hello, so it is made on first use (by {@link #warmUp()}, off the start path).
     */
    private static final class Json {
        static final ObjectMapper MAPPER = new ObjectMapper();
    }

    private final Trace trace;
    private final byte[] token;
    private final Map<Integer, OpenWindow> windows = new ConcurrentHashMap<>();
    private final AtomicInteger nextWindow = new AtomicInteger();
    private final Semaphore clients = new Semaphore(AgentProtocol.MAX_CLIENTS);

    /**
     * A window opened over the channel; {@code before} is the reading taken just before it opened when the open asked
     * for "record" (null otherwise), kept here until the close answers what happened in between. At most four
     * windows are open at once, so at most four readings are held.
     */
    private record OpenWindow(JavaWindow window, String name, Recording before) {}

    AgentMain(Trace trace, String token) {
        this.trace = trace;
        this.token = token.getBytes(StandardCharsets.UTF_8);
    }

    public static void main(String[] args) {
        JnaStart.prepare(); // before the warm-up thread touches JNA
        // One trace per container: loading the programs of a next one ahead would be wasted.
        System.setProperty(Tracer.LOAD_AHEAD_PROPERTY, "false");
        if (args.length > 0 && args[0].equals(TRAIN)) {
            train(List.of(args).subList(1, args.length));
            return;
        }
        Thread warm = new Thread(AgentMain::warmUp, "pybudget-warm-up");
        warm.setDaemon(true);
        warm.start();
        Arguments arguments;
        try {
            arguments = Arguments.parse(args);
        } catch (RuntimeException e) {
            fail(e.getMessage() == null ? e.toString() : e.getMessage());
            return;
        }
        String token = System.getenv(AgentProtocol.TOKEN_ENV);
        if (token == null || token.length() < 16) {
            fail(AgentProtocol.TOKEN_ENV + " must hold the channel's token (16 characters or more): the harness sets it;"
                    + " the agent serves no one without it");
            return;
        }
        Trace trace;
        try {
            trace = arguments.gate() != null ? Targets.gated(Path.of(arguments.gate()), arguments.options())
                    : Targets.running(arguments.attach(), arguments.options());
        } catch (TraceException | IllegalArgumentException e) {
            fail(e.getMessage());
            return;
        }
        AgentMain agent = new AgentMain(trace, token);
        Thread finisher = new Thread(trace::finish, "pybudget-finish");
        finisher.setDaemon(true);
        finisher.start();
        try (ServerSocket server = new ServerSocket()) {
            server.setReuseAddress(true);
            server.bind(new InetSocketAddress(arguments.port()));
            System.err.println(AgentProtocol.READY + " (pid " + trace.pid() + ", port " + arguments.port() + ")");
            System.err.flush();
            while (true) {
                agent.accept(server.accept());
            }
        } catch (IOException e) {
            trace.close();
            fail("the agent's port " + arguments.port() + " could not be served: " + e.getMessage());
        }
    }

    /** The agent's command line: its channel's port, what to record, and the gate or the process to attach to. */
    record Arguments(int port, TraceOptions options, String gate, String attach) {

        /** @throws RuntimeException with one sentence for arguments the agent cannot run with */
        static Arguments parse(String[] args) {
            int port = AgentProtocol.PORT;
            TraceOptions options = TraceOptions.defaults();
            String gate = null;
            String attach = null;
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--port" -> port = Integer.parseInt(args[++i]);
                    case "--calls" -> options = options.withCallPattern(args[++i]);
                    case "--calls-by" -> options = options.withCallCounting(CallCounting.parse(args[++i]));
                    case "--stream-audit" -> options = options.withStreamAudit(true);
                    case "--family" -> options = options.withFamily(args[++i]);
                    // The flags the harness passed before --family, still accepted: the agent's image is built with
                    // the harness, but a script that starts the agent by hand may say them.
                    case "--kernel-context" -> options = options.withKernelContext(true);
                    case "--gil-waits" -> options = options.withGilWaits(true);
                    case "--lenient-probes" -> options = options.withRequireProbes(false);
                    case "--gate" -> gate = args[++i];
                    case "--attach" -> attach = args[++i];
                    default -> throw new IllegalArgumentException("unknown agent option " + args[i]);
                }
            }
            if ((gate == null) == (attach == null)) {
                throw new IllegalArgumentException("give the agent either --gate FIFO or --attach PID|auto");
            }
            return new Arguments(port, options, gate, attach);
        }
    }

    /**
     * The first argument of a training run: the start path once, without serving, so that a JVM run with
     * {@code -XX:ArchiveClassesAtExit} archives the classes the agent loads (AppCDS, made when the harness
     * bakes the agent into an image; see PythonWorkloadContainer). Where BPF may not be loaded (an image build
     * has no CAP_SYS_ADMIN) the trace fails at the load, after the ELF, JNA and libbpf classes are in.
     */
    public static final String TRAIN = "--train";

    /** An idle window's recording, as the agent answers it: what {@link #train} reads to load the record path's classes. */
    private static final String TRAINING_RECORDING = """
            {"schema":1,"python":{"executable":"/usr/bin/python3.11","version":"3.11.2","pid":1},"probes":["audit","gc__start",\
            "gc__done","import__find__load__start","import__find__load__done"],"missingProbes":[],"missingProbesReason":null,\
            "wallNanos":1000,"gc":{"collections":[0,0,0],"collected":0,"pauseNanos":{"count":0,"max":0,"p50":0,"p99":0,\
            "totalNanos":0,"log2Histogram":[0,0,0,0]}},"importCount":0,"imports":[],"calls":[],"audit":[],"auditEvents":[],\
            "kernel":null,"gil":null,"lostEvents":0,"losses":{"events":0},"windows":[{"name":"w","gc":{"collections":[0,0,0],\
            "collected":0,"pauseNanos":{"count":0,"max":0,"p50":0,"p99":0,"totalNanos":0,"log2Histogram":[0,0,0,0]}},\
            "importCount":0,"imports":[],"calls":[],"audit":[],"auditEvents":[],"kernel":null,"gil":null,"unfollowedEnds":0,\
            "spans":[{"thread":0,"startNanos":0,"durationNanos":1000,"open":false}]}],"callPattern":null,\
            "callPatternMatched":[],"exitStatus":null}""";

    static void train(List<String> command) {
        warmUp();
        try {
            // No CPython in the agent's image: the ELF reading up to "no markers" is what gets archived.
            Tracer.attach(ProcessHandle.current().pid(), Path.of("/"), Path.of(command.get(0)), null,
                    TraceOptions.defaults().withRequireProbes(false)).close();
        } catch (RuntimeException e) {
            // Expected without the right to load BPF: what loaded up to here is what the archive is for.
        }
        for (String name : List.of("dev.pybudget.engine.EventStream", "dev.pybudget.engine.RingReader",
                "dev.pybudget.engine.Trace", "dev.pybudget.engine.JavaWindow", "dev.pybudget.engine.StreamEvent",
                "dev.pybudget.agent.LineReader", "java.net.ServerSocket", "java.net.Socket")) {
            try {
                Class.forName(name, false, AgentMain.class.getClassLoader());
            } catch (ClassNotFoundException | LinkageError e) {
                // One class fewer in the archive: it loads from its jar, as without one.
            }
        }
        new AgentMain(null, "training").answer("{\"op\":\"nope\",\"id\":1}");
        try {
            // A recorded window's path, on a recording read from JSON: the difference and the report's reading and
            // writing, each family's part included, are archived too (else the first record() loads them from the jar).
            Recording r = JsonReport.fromJson(Json.MAPPER.readTree(TRAINING_RECORDING));
            Json.MAPPER.writeValueAsBytes(JsonReport.toJson(WindowedRun.between(r, r, "w")));
        } catch (IOException | RuntimeException e) {
            // Fewer classes in the archive: they load from the jar, as without one.
        }
        System.exit(0);
    }

    /**
     * On a second core, while the main thread reads the ELF and loads the BPF objects: JNA's start
     * (it unpacks and loads its native part) and libbpf's dlopen, which the engine needs next, then
     * Jackson and one request's round trip, which the harness's hello needs right after the ready line.
     * Failures are left for the main thread, which says them with the engine's sentences.
     */
    static void warmUp() {
        try {
            NativeLibrary.getInstance("libbpf.so.1");
        } catch (Throwable e) {
            // The engine loads libbpf itself and says why it cannot.
        }
        try {
            Json.MAPPER.readTree(Json.MAPPER.writeValueAsBytes(Json.MAPPER.createObjectNode().put("op", "hello").put("id", 1)));
        } catch (Throwable e) {
            // Warming only: a real request fails with its own answer.
        }
    }

    private static void fail(String sentence) {
        System.err.println(AgentProtocol.ERROR + sentence);
        System.err.flush();
        System.exit(2);
    }

    /** Serves a new connection on its own thread, or refuses it when {@link AgentProtocol#MAX_CLIENTS} are served. */
    void accept(Socket client) {
        if (!clients.tryAcquire()) {
            try (client; OutputStream out = client.getOutputStream()) {
                writeLine(out, error(Json.MAPPER.createObjectNode(), "the agent already serves " + AgentProtocol.MAX_CLIENTS
                        + " connections; close one first"));
            } catch (IOException e) {
                // The refused client went away: nothing to say.
            }
            return;
        }
        Thread serving = new Thread(() -> {
            try {
                serve(client);
            } finally {
                clients.release();
            }
        }, "pybudget-client");
        serving.setDaemon(true);
        serving.start();
    }

    /**
     * One connection: first a hello with the token (within {@link AgentProtocol#HELLO_TIMEOUT_MS}), then
     * one answer per line; a bad line gets an error answer and the agent keeps serving.
     */
    void serve(Socket client) {
        try (client; OutputStream out = client.getOutputStream()) {
            client.setTcpNoDelay(true);
            LineReader in = new LineReader(client.getInputStream(), AgentProtocol.MAX_LINE);
            client.setSoTimeout(AgentProtocol.HELLO_TIMEOUT_MS);
            String first;
            try {
                first = in.readLine();
            } catch (SocketTimeoutException e) {
                writeLine(out, error(Json.MAPPER.createObjectNode(), "no hello within " + AgentProtocol.HELLO_TIMEOUT_MS + " ms"));
                return;
            }
            if (first == null) {
                return;
            }
            ObjectNode welcome = authenticate(first);
            writeLine(out, welcome);
            if (!welcome.path("ok").asBoolean()) {
                return;
            }
            client.setSoTimeout(0);
            String line;
            while ((line = in.readLine()) != null) {
                writeLine(out, answer(line));
            }
        } catch (IOException e) {
            // The client went away: nothing to answer.
        }
    }

    /** One write per answer: with Nagle's algorithm, a second small write waits for the client's delayed ACK. */
    private static void writeLine(OutputStream out, ObjectNode response) throws IOException {
        byte[] json = Json.MAPPER.writeValueAsBytes(response);
        byte[] line = java.util.Arrays.copyOf(json, json.length + 1);
        line[json.length] = '\n';
        out.write(line);
        out.flush();
    }

    /** The first line of a connection: a hello with the right token, or the connection is refused. */
    ObjectNode authenticate(String line) {
        ObjectNode refused = Json.MAPPER.createObjectNode();
        JsonNode request = parse(line, refused);
        if (request == null) {
            return refused.put("error", refused.path("error").asText() + "; a connection must start with a hello");
        }
        refused.set("id", request.path("id"));
        if (!request.path("op").asText("").equals("hello")) {
            return error(refused, "a connection must start with a hello that carries the token");
        }
        byte[] given = request.path("token").asText("").getBytes(StandardCharsets.UTF_8);
        if (!MessageDigest.isEqual(given, token)) {
            return error(refused, "wrong token");
        }
        return answer(line);
    }

    /** The request as a JSON object, or null with the error already in {@code response}. */
    private static JsonNode parse(String line, ObjectNode response) {
        if (line == LineReader.TOO_LONG) {
            error(response, "the request is longer than " + AgentProtocol.MAX_LINE + " bytes");
            return null;
        }
        JsonNode request;
        try {
            request = Json.MAPPER.readTree(line);
        } catch (IOException e) {
            error(response, "the request is not JSON");
            return null;
        }
        if (request == null || !request.isObject()) {
            error(response, "the request is not a JSON object");
            return null;
        }
        return request;
    }

    /** The recording so far, and whether the traced process still ran when it was taken. */
    private record Reading(Recording recording, boolean running) {
        void into(ObjectNode response) {
            response.set("recording", JsonReport.toJson(recording));
            response.put("running", running);
        }
    }

    /**
     * The recording so far. Once the workload is gone the trace ends here, not when the JDK's poll of a process that
     * is not our child notices: every later reading is then this final one.
     */
    private Reading read() {
        boolean running = trace.isRunning();
        return new Reading(running ? trace.snapshot() : trace.detach(), running);
    }

    ObjectNode answer(String line) {
        ObjectNode response = Json.MAPPER.createObjectNode();
        JsonNode request = parse(line, response);
        if (request == null) {
            return response;
        }
        response.set("id", request.path("id"));
        try {
            switch (request.path("op").asText("")) {
                case "hello" -> {
                    response.put("protocol", AgentProtocol.VERSION).put("pid", trace.pid()).put("python", trace.pythonVersion())
                            .put("record", true);
                }
                case "snapshot" -> read().into(response);
                case "open" -> {
                    // With "snapshot": the recording just before the window opens, in the same round trip (record() of
                    // a harness before "record" was added). With "record": that reading is kept here for the close.
                    boolean snapshot = request.path("snapshot").asBoolean(false);
                    boolean record = request.path("record").asBoolean(false);
                    Reading before = snapshot || record ? read() : null;
                    if (snapshot) {
                        before.into(response);
                    }
                    String name = request.path("name").asText("");
                    int id = nextWindow.getAndIncrement();
                    JavaWindow window = trace.openWindow(name);
                    windows.put(id, new OpenWindow(window, name, record ? before.recording() : null));
                    response.put("window", id);
                }
                case "close" -> {
                    OpenWindow open = windows.remove(request.path("window").asInt(-1));
                    if (open == null) {
                        return error(response, "no open window " + request.path("window"));
                    }
                    open.window().close();
                    boolean record = request.path("record").asBoolean(false);
                    if (record && open.before() == null) {
                        return error(response, "window " + request.path("window") + " was closed, but it was opened without"
                                + " \"record\": true, so there is no reading from before it to compare with");
                    }
                    if (record || request.path("snapshot").asBoolean(false)) {
                        Reading after = read(); // just after the window closed
                        if (record) {
                            new Reading(WindowedRun.between(open.before(), after.recording(), open.name()), after.running())
                                    .into(response);
                        } else {
                            after.into(response);
                        }
                    }
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
        } catch (RuntimeException e) {
            // A fault of ours must not cost the client its channel: say it, keep serving.
            return error(response, "the agent failed on this request: " + e);
        }
        return response.put("ok", true);
    }

    private static ObjectNode error(ObjectNode response, String sentence) {
        return response.put("ok", false).put("error", sentence);
    }
}

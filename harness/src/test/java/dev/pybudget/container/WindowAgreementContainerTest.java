package dev.pybudget.container;

import static dev.pybudget.support.RecordedCounts.audit;
import static dev.pybudget.support.RecordedCounts.calls;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.pybudget.engine.WindowHandle;
import dev.pybudget.junit.PythonPerfTest;
import dev.pybudget.junit.Recorder;
import dev.pybudget.junit.Workload;
import dev.pybudget.recording.AuditEvent;
import dev.pybudget.recording.ImportNode;
import dev.pybudget.recording.Recording;
import dev.pybudget.recording.Sections;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.images.builder.Transferable;
import dev.pybudget.support.RecordedCounts;
import dev.pybudget.support.PythonFixtures;

/**
 * A window marked from Python (sys.audit "pybudget.begin"/"pybudget.end") holds what its thread did
 * between the marks; a window opened from Java holds everything in the process between two
 * instants. Around the same work they must agree wherever nothing else can run:
 *
 * <ul>
 *   <li>driven work: one thread, automatic collection on only inside the work, and nothing between
 *       the Java and the Python marks that raises an audit event, imports, collects or returns
 *       from a function of the pattern: every count equal, on both images;</li>
 *   <li>one HTTP request to the service: the Java window also holds the main thread's accept, and
 *       collections cannot be told apart by thread; the events on the handler thread (audit events
 *       and imports carry their thread) are equal.</li>
 * </ul>
 */
@PythonPerfTest
class WindowAgreementContainerTest {

    /**
     * Accepts one connection on port 9000 and says "accepted"; for each line "go N" it runs round N of the work
     * between the two marks and answers "done N". Automatic collection runs only inside the work.
     */
    static final String DRIVEN = """
            import gc
            import os
            import socket
            import sys

            gc.disable()


            class Node(object):
                def __init__(self, parent):
                    self.parent = parent          # a cycle: only the collector frees it
                    self.children = []


            def grow(depth, parent=None):
                node = Node(parent)
                if depth:
                    node.children = [grow(depth - 1, node) for _ in range(3)]
                return node


            def work(round_):
                gc.enable()
                if round_ == 0:
                    import decimal, statistics
                else:
                    import colorsys, shlex
                for i in range(200 + 100 * round_):
                    grow(4)
                with open(os.devnull) as f:
                    f.read()
                os.listdir(".")
                gc.collect(1)
                gc.disable()


            server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            server.bind(("0.0.0.0", 9000))
            server.listen(1)
            print("listening on 9000", flush=True)
            conn, _ = server.accept()
            commands = conn.makefile("rb")
            conn.sendall(b"accepted\\n")
            while True:
                line = commands.readline()
                if not line.startswith(b"go "):
                    break
                r = int(line.split()[1])
                sys.audit("pybudget.begin", "work")
                work(r)
                sys.audit("pybudget.end", "work")
                conn.sendall(b"done %d\\n" % r)
            """;

    @Workload
    static PythonWorkloadContainer driven311 = driven(PythonImage.CPYTHON_3_11).withCallPattern("*/driven.py:*");

    @Workload
    static PythonWorkloadContainer driven313 = driven(PythonImage.CPYTHON_3_13);

    @Workload
    static PythonWorkloadContainer service = new PythonWorkloadContainer(PythonImage.CPYTHON_3_11)
            .withFixture(PythonFixtures.workload("lazy_import_service").toString())
            .withCommand("python3", "server.py", "8000")
            .withAuditStream(true)
            .withExposedPorts(8000)
            .waitingFor(Wait.forHttp("/health").forPort(8000));

    private static final Map<PythonWorkloadContainer, Driver> DRIVERS = new java.util.HashMap<>();

    static PythonWorkloadContainer driven(PythonImage image) {
        return new PythonWorkloadContainer(image)
                .withCopyToContainer(Transferable.of(DRIVEN), "/workload/driven.py")
                .withCommand("python3", "driven.py")
                .withExposedPorts(9000)
                // Not a port check: its probe connection would be the one connection the script accepts.
                .waitingFor(Wait.forLogMessage(".*listening on 9000.*\\n", 1));
    }

    @AfterAll
    static void disconnect() throws IOException {
        for (Driver d : DRIVERS.values()) {
            d.close();
        }
        DRIVERS.clear();
    }

    @Test
    void should_count_in_a_java_window_exactly_what_the_python_window_around_the_same_work_counts_on_3_11(
            Recorder recorder) {
        Sections round0 = assertWindowsAgree(recorder.of(driven311), driven311);
        assertThat(calls(round0)).as("calls of driven.py in the round").containsKeys("/workload/driven.py:work",
                "/workload/driven.py:grow", "/workload/driven.py:__init__");
    }

    @Test
    void should_count_in_a_java_window_exactly_what_the_python_window_around_the_same_work_counts_on_3_13(
            Recorder recorder) {
        assertWindowsAgree(recorder.of(driven313), driven313);
    }

    /** Round 0 through record(), round 1 through open() with the same name: per round and added up, the same. */
    private static Sections assertWindowsAgree(Recorder recorder, PythonWorkloadContainer container) {
        Driver driver = DRIVERS.computeIfAbsent(container, Driver::connect);
        Recording first = recorder.record("java", () -> driver.round(0));
        Sections java0 = section(first, "java");
        assertSameWork("round 0", java0, section(first, "work"));
        assertThat(java0.imports()).extracting(ImportNode::module).containsExactly("decimal", "statistics");

        try (WindowHandle ignored = recorder.open("java")) {
            driver.round(1);
        }
        Recording both = recorder.sinceTestStart();
        assertSameWork("both rounds", section(both, "java"), section(both, "work"));
        assertThat(section(both, "java").gc().totalCollections()).isGreaterThan(java0.gc().totalCollections());
        assertThat(RecordedCounts.importSet(section(both, "java"))).contains("colorsys", "shlex", "decimal");
        return java0;
    }

    private static void assertSameWork(String what, Sections java, Sections python) {
        assertThat(java.gc().collections()).as("%s: collections per generation, Java window vs Python window", what)
                .isEqualTo(python.gc().collections());
        assertThat(java.gc().collected()).as("%s: objects collected", what).isEqualTo(python.gc().collected());
        assertThat(java.gc().collections(0)).as("%s: the work collects automatically", what).isPositive();
        assertThat(java.gc().collections(1)).as("%s: and explicitly", what).isPositive();
        assertThat(audit(java)).as("%s: audit events, Java window vs Python window", what).isEqualTo(audit(python))
                .containsKeys("open", "os.listdir", "pybudget.begin", "pybudget.end");
        assertThat(java.imports()).extracting(ImportNode::module).as("%s: the import tree's roots", what)
                .isEqualTo(python.imports().stream().map(ImportNode::module).toList());
        assertThat(RecordedCounts.importSet(java)).as("%s: every import", what).isEqualTo(RecordedCounts.importSet(python));
        assertThat(java.importCount()).as("%s: the exact import count", what).isEqualTo(python.importCount()).isPositive();
        assertThat(calls(java)).as("%s: calls per function", what).isEqualTo(calls(python));
    }

    @Test
    void should_count_on_the_handler_thread_in_a_java_window_around_one_request_what_the_request_window_counts(
            Recorder recorder) {
        Recorder r = recorder.of(service);
        // Cold: the request imports pricing on the handler thread.
        Recording cold = r.record("get", () -> get(service, "/checkout"));
        long handler = assertHandlerThreadAgrees("cold request", cold);
        assertThat(section(cold, "request").importCount()).isPositive();

        // Warm, with a warm-up request before: nothing imported, the same events.
        get(service, "/checkout?skus=SKU-0042");
        Recording warm = r.record("get", () -> get(service, "/checkout?skus=SKU-0001"));
        long handler2 = assertHandlerThreadAgrees("warm request", warm);
        assertThat(section(warm, "request").importCount()).isZero();
        assertThat(handler2).as("each request has its own handler thread").isNotEqualTo(handler);
    }

    /** Returns the handler thread's id. */
    private static long assertHandlerThreadAgrees(String what, Recording r) {
        Sections java = section(r, "get");
        Sections python = section(r, "request");
        assertThat(r.lostEvents()).as("%s: events lost by the stream", what).isZero();
        long handler = python.auditEvents().stream().filter(e -> e.event().equals("pybudget.begin")).findFirst()
                .map(AuditEvent::thread).orElseGet(() -> fail(what + ": the request window has no begin mark"));
        assertThat(python.auditEvents()).extracting(AuditEvent::thread).as("%s: the Python window is one thread's", what)
                .containsOnly(handler);
        assertThat(python.allImports()).allSatisfy(i -> assertThat(i.thread()).isEqualTo(handler));

        List<AuditEvent> onHandler = java.auditEvents().stream().filter(e -> e.thread() == handler).toList();
        assertThat(streamed(onHandler)).as("%s: audit events on the handler thread, Java window vs Python window", what)
                .isEqualTo(audit(python)).isEqualTo(streamed(python.auditEvents()));
        List<String> javaImports = java.allImports().stream().filter(i -> i.thread() == handler).map(ImportNode::module)
                .toList();
        assertThat(javaImports).as("%s: imports on the handler thread", what)
                .isEqualTo(python.allImports().stream().map(ImportNode::module).toList());
        // The rest of the Java window: the main thread accepting the connection and starting the handler.
        Map<String, Long> others = streamed(java.auditEvents().stream().filter(e -> e.thread() != handler).toList());
        assertThat(others).as("%s: audit events on other threads in the Java window", what)
                .isEqualTo(Map.of("socket.__new__", 1L));
        assertThat(java.allImports()).as("%s: no import on another thread", what)
                .allSatisfy(i -> assertThat(i.thread()).isEqualTo(handler));
        for (int g = 0; g < 3; g++) {
            assertThat(java.gc().collections(g)).as("%s: generation %d, Java window holds the Python one", what, g)
                    .isGreaterThanOrEqualTo(python.gc().collections(g));
        }
        return handler;
    }

    private static Map<String, Long> streamed(List<AuditEvent> events) {
        Map<String, Long> counts = new TreeMap<>();
        events.forEach(e -> counts.merge(e.event(), 1L, Long::sum));
        return counts;
    }

    private static Sections section(Recording r, String window) {
        return r.window(window).orElseGet(() -> fail("no window '" + window + "' in " + r.windows())).sections();
    }

    /** One HTTP/1.1 request on its own connection, closed by the server after the answer: nothing lingers. */
    static String get(PythonWorkloadContainer container, String path) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(container.getHost(), container.getMappedPort(8000)), 5000);
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(response).as("GET %s", path).startsWith("HTTP/1.").contains(" 200 ");
            return response;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The test's end of the driven script's connection. */
    private record Driver(Socket socket, BufferedReader in, OutputStream out) implements AutoCloseable {

        static Driver connect(PythonWorkloadContainer container) {
            try {
                Socket socket = new Socket();
                socket.connect(new InetSocketAddress(container.getHost(), container.getMappedPort(9000)), 5000);
                socket.setSoTimeout(60_000);
                Driver driver = new Driver(socket, new BufferedReader(new InputStreamReader(socket.getInputStream(),
                        StandardCharsets.US_ASCII)), socket.getOutputStream());
                // The connection is made once the kernel (or Docker's proxy) completes it, before the script's
                // accept() returns: its socket.__new__ audit event would land in the first Java window.
                assertThat(driver.in.readLine()).as("the driven script accepted the connection").isEqualTo("accepted");
                return driver;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        void round(int n) {
            try {
                out.write(("go " + n + "\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                assertThat(in.readLine()).isEqualTo("done " + n);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}

package dev.pybudget.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.pybudget.recording.ImportNode;
import dev.pybudget.recording.Recording;
import dev.pybudget.recording.Sections;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import dev.pybudget.support.RecordedCounts;
import dev.pybudget.support.Pythons;
import dev.pybudget.support.PythonFixtures;
import dev.pybudget.support.LocalRuns;
import dev.pybudget.support.CountComparisons;

/**
 * A window opened from Java holds everything in the process between two instants; a window marked
 * with sys.audit holds what its thread did between the marks. Around the same work they agree.
 */
class JavaWindowTest {

    /**
     * Work the test drives: once it printed "ready", round N starts when the file GO-N exists and ends
     * by printing "done N"; GO-ROUNDS lets it exit.
     * Automatic collection runs only inside the work, and nothing between the marks and the signals
     * raises an audit event, imports or calls a function of this file: both windows see the same.
     */
    static final String DRIVEN = """
            import gc
            import os
            import sys
            import time

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
                gc.disable()


            go, rounds = sys.argv[1], int(sys.argv[2])
            print("ready", flush=True)
            for r in range(rounds + 1):
                while not os.path.exists("%s-%d" % (go, r)):
                    time.sleep(0.002)
                if r == rounds:
                    break                         # GO-ROUNDS: exit (finalising collects)
                sys.audit("pybudget.begin", "work")
                work(r)
                sys.audit("pybudget.end", "work")
                print("done %d" % r, flush=True)
            """;

    @TempDir
    Path tmp;

    @Test
    void should_count_in_a_java_window_around_driven_work_what_the_sys_audit_window_around_it_counts() throws Exception {
        Path script = Files.writeString(tmp.resolve("driven.py"), DRIVEN);
        Path out = tmp.resolve("driven.out");
        Path go = tmp.resolve("go");
        ProcessBuilder workload = new ProcessBuilder(Pythons.debian().toString(), script.toString(), go.toString(), "2")
                .directory(tmp.toFile()).redirectOutput(out.toFile()).redirectError(tmp.resolve("driven.err").toFile());

        try (Trace trace = Tracer.start(workload, LocalRuns.options().withCallPattern("*/driven.py:*"))) {
            awaitLine(out, "ready"); // start-up (its imports and collections) is over
            // record(): this round only, in both windows.
            Recording first = trace.record("java", () -> drive(go, 0, out));
            assertSameWork("round 0 (record)", section(first, "java"), section(first, "work"));
            assertThat(importModules(section(first, "java"))).containsExactly("decimal", "statistics");

            // openWindow() with the same name again: the name adds up, as "work" does.
            try (JavaWindow ignored = trace.openWindow("java")) {
                drive(go, 1, out);
            }
            Files.writeString(Path.of(go + "-2"), "exit");
            Recording end = trace.finish();
            assertThat(end.exitStatus()).contains(0);
            assertSameWork("both rounds", section(end, "java"), section(end, "work"));
            assertThat(section(end, "java").gc().totalCollections())
                    .isGreaterThan(section(first, "java").gc().totalCollections());
        }
    }

    @Test
    void should_see_in_a_java_window_around_one_http_request_the_lazy_import_the_request_window_sees() throws Exception {
        Path server = PythonFixtures.workload("lazy_import_service/server.py");
        Path out = tmp.resolve("server.out");
        ProcessBuilder workload = new ProcessBuilder(Pythons.debian().toString(), server.getFileName().toString(), "0")
                .directory(server.getParent().toFile()).redirectOutput(out.toFile())
                .redirectError(tmp.resolve("server.err").toFile());

        try (Trace trace = Tracer.start(workload, LocalRuns.options().withCallPattern("*/pricing.py:*"))) {
            int port = awaitPort(out, trace);

            Recording cold = trace.record("get", () -> get(port, "/checkout?skus=SKU-0001,SKU-0042"));
            Sections java = section(cold, "get");
            Sections request = section(cold, "request");
            assertThat(importModules(java)).as("top-level imports of the request").startsWith("pricing")
                    .isEqualTo(importModules(request));
            assertThat(RecordedCounts.importSet(java)).contains("decimal", "xml.etree.ElementTree")
                    .isEqualTo(RecordedCounts.importSet(request));
            assertThat(java.importCount()).isEqualTo(request.importCount()).isPositive();
            assertThat(RecordedCounts.calls(java)).isEqualTo(RecordedCounts.calls(request)).isNotEmpty();
            // The Java window also holds the main thread, which accepted the connection (socket.__new__)
            // before the handler thread marked its window; nothing else differs.
            Map<String, Long> expected = new TreeMap<>(RecordedCounts.audit(request));
            expected.merge("socket.__new__", 1L, Long::sum);
            assertThat(RecordedCounts.audit(java)).isEqualTo(expected);
            for (int g = 0; g < 3; g++) {
                assertThat(java.gc().collections(g)).as("generation %d: the Java window holds the request window", g)
                        .isGreaterThanOrEqualTo(request.gc().collections(g));
            }
            assertThat(request.gc().totalCollections()).as("building the catalog collects").isPositive();

            Recording warm = trace.record("get", () -> get(port, "/checkout?skus=SKU-0001"));
            assertThat(section(warm, "get").importCount()).isZero();
            assertThat(section(warm, "request").importCount()).isZero();
            assertThat(RecordedCounts.calls(section(warm, "get"))).isEqualTo(RecordedCounts.calls(section(warm, "request")));
        }
    }

    private static void assertSameWork(String what, Sections java, Sections python) {
        CountComparisons.assertSameGc(what, java.gc(), python.gc());
        assertThat(java.gc().totalCollections()).as("%s: the work collects", what).isPositive();
        assertThat(RecordedCounts.audit(java)).as("%s: audit, Java window vs sys.audit window", what)
                .isEqualTo(RecordedCounts.audit(python)).containsKeys("open", "os.listdir", "import", "pybudget.begin");
        assertThat(RecordedCounts.calls(java)).as("%s: calls", what).isEqualTo(RecordedCounts.calls(python)).isNotEmpty();
        assertThat(importModules(java)).as("%s: imports", what).isEqualTo(importModules(python)).isNotEmpty();
        assertThat(java.importCount()).as("%s: import count", what).isEqualTo(python.importCount());
    }

    private static List<String> importModules(Sections s) {
        return s.imports().stream().map(ImportNode::module).toList();
    }

    private static Sections section(Recording r, String window) {
        return r.window(window).orElseGet(() -> fail("no window '" + window + "' in " + r.windows())).sections();
    }

    private static void drive(Path go, int round, Path out) {
        try {
            Files.writeString(Path.of(go + "-" + round), "go");
            awaitLine(out, "done " + round);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void awaitLine(Path file, String line) throws IOException {
        long deadline = System.nanoTime() + LocalRuns.TIMEOUT.toNanos();
        while (!Files.readString(file, StandardCharsets.UTF_8).lines().toList().contains(line)) {
            if (System.nanoTime() > deadline) {
                fail("the workload never printed '" + line + "'");
            }
            sleep();
        }
    }

    private static int awaitPort(Path out, Trace trace) throws IOException {
        Pattern listening = Pattern.compile("listening on (\\d+)");
        long deadline = System.nanoTime() + LocalRuns.TIMEOUT.toNanos();
        while (true) {
            Matcher m = listening.matcher(Files.readString(out, StandardCharsets.UTF_8));
            if (m.find()) {
                return Integer.parseInt(m.group(1));
            }
            if (!trace.isRunning() || System.nanoTime() > deadline) {
                return fail("the server did not start listening");
            }
            sleep();
        }
    }

    private static void get(int port, String path) {
        try {
            HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + path).toURL().openConnection();
            c.setRequestProperty("Connection", "close");
            assertThat(c.getResponseCode()).isEqualTo(200);
            try (InputStream body = c.getInputStream()) {
                assertThat(new String(body.readAllBytes(), StandardCharsets.UTF_8)).contains("\"total\"");
            }
            c.disconnect();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(2);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}

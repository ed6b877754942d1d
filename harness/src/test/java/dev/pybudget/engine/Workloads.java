package dev.pybudget.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pybudget.recording.GcStats;
import dev.pybudget.recording.ImportNode;
import dev.pybudget.recording.Recording;
import dev.pybudget.recording.Sections;
import dev.pybudget.recording.Window;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The workloads the engine tests trace: the fixtures in {@code python-fixtures/}, run by Debian's
 * {@code /usr/bin/python3.11} (it carries every USDT probe), each with its in-process oracle
 * ({@code oracle.py}) writing what CPython's own hooks saw to a JSON file. A missing
 * prerequisite fails the test with the way to get it, never skips it.
 */
public final class Workloads {
    private Workloads() {}

    public static final Path PYTHON = Path.of("/usr/bin/python3.11");
    /** Tests run in harness/; the fixtures live next to it. */
    public static final Path FIXTURES = Path.of("..", "python-fixtures").toAbsolutePath().normalize();
    /** No traced run of a fixture takes this long; a hang fails the test instead of the build. */
    public static final Duration TIMEOUT = Duration.ofSeconds(90);

    private static final ObjectMapper JSON = new ObjectMapper();

    public static Path python() {
        if (!Files.isRegularFile(PYTHON)) {
            fail(PYTHON + " is missing: apt-get install -y python3.11-minimal (Debian 12; it has the USDT notes)");
        }
        return PYTHON;
    }

    /** A fixture file, e.g. {@code gc_churn.py} or {@code lazy_import/app.py}. */
    public static Path fixture(String relative) {
        Path file = FIXTURES.resolve(relative);
        if (!Files.isRegularFile(file)) {
            fail(file + " is missing: the python-fixtures/ directory of the repository holds it");
        }
        return file;
    }

    public static TraceOptions options() {
        return TraceOptions.defaults().withTimeout(TIMEOUT);
    }

    /** One traced run of a fixture with its oracle, and what the workload printed. */
    public record OracleRun(Recording recording, Oracle oracle, String stdout, String stderr) {

        public Sections window(String name) {
            return recording.window(name).map(Window::sections).orElseGet(() -> fail("the recording has no window '" + name
                    + "'; it has " + recording.windows().stream().map(Window::name).toList()));
        }
    }

    /**
     * Traces {@code python [pythonOptions] fixture [args]} in the fixture's directory with PYBUDGET_ORACLE
     * set, waits for it, and checks that it exited with status 0 and lost nothing.
     */
    public static OracleRun traceWithOracle(Path tmp, TraceOptions options, List<String> pythonOptions, String fixture,
                                            String... args) throws IOException {
        return traceWithOracle(python(), tmp, options, pythonOptions, fixture, args);
    }

    /** As {@link #traceWithOracle(Path, TraceOptions, List, String, String...)}, with another CPython. */
    public static OracleRun traceWithOracle(Path python, Path tmp, TraceOptions options, List<String> pythonOptions,
                                            String fixture, String... args) throws IOException {
        Path script = fixture(fixture);
        Path oracleFile = tmp.resolve("oracle-" + System.nanoTime() + ".json");
        Path out = tmp.resolve("stdout-" + System.nanoTime() + ".txt");
        Path err = tmp.resolve("stderr-" + System.nanoTime() + ".txt");
        List<String> command = new ArrayList<>();
        command.add(python.toString());
        command.addAll(pythonOptions);
        command.add(script.getFileName().toString());
        command.addAll(List.of(args));
        ProcessBuilder workload = new ProcessBuilder(command).directory(script.getParent().toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        workload.environment().put("PYBUDGET_ORACLE", oracleFile.toString());
        Recording recording;
        try (Trace trace = Tracer.start(workload, options)) {
            recording = trace.finish();
        }
        String stdout = Files.readString(out, StandardCharsets.UTF_8);
        String stderr = Files.readString(err, StandardCharsets.UTF_8);
        assertThat(recording.exitStatus()).as("exit status of %s; its stderr:%n%s", command, stderr).contains(0);
        if (!Files.isRegularFile(oracleFile)) {
            fail("the oracle wrote no " + oracleFile + "; the fixture's stderr:\n" + stderr);
        }
        return new OracleRun(recording, new Oracle(JSON.readTree(oracleFile.toFile())), stdout, stderr);
    }

    public static OracleRun traceWithOracle(Path tmp, TraceOptions options, String fixture, String... args)
            throws IOException {
        return traceWithOracle(tmp, options, List.of(), fixture, args);
    }

    /** What oracle.py wrote: the whole run from install() to finish(), its windows, and gc.get_stats(). */
    public record Oracle(JsonNode root) {

        /** gc.get_stats() at finish(): every collection since the interpreter started. */
        public JsonNode gcStats() {
            return root.path("gcStats");
        }

        public JsonNode whole() {
            return root;
        }

        /** The CPython version the oracle ran in, e.g. "3.11.2". */
        public String python() {
            return root.path("python").asText();
        }

        public JsonNode window(String name) {
            JsonNode w = root.path("windows").path(name);
            if (w.isMissingNode()) {
                fail("the oracle has no window '" + name + "'; it has " + names(root.path("windows")));
            }
            return w;
        }

        public Set<String> windowNames() {
            return names(root.path("windows"));
        }

        private static Set<String> names(JsonNode object) {
            Set<String> names = new TreeSet<>();
            object.fieldNames().forEachRemaining(names::add);
            return names;
        }

        /** A section's "audit", "calls" or "rawCalls" object as a sorted map. */
        public static Map<String, Long> counts(JsonNode section, String field) {
            Map<String, Long> counts = new TreeMap<>();
            section.path(field).fields().forEachRemaining(e -> counts.put(e.getKey(), e.getValue().asLong()));
            return counts;
        }

        public static Set<String> imports(JsonNode section) {
            Set<String> modules = new TreeSet<>();
            section.path("imports").forEach(m -> modules.add(m.asText()));
            return modules;
        }
    }

    /** Audit counts of a recorded section, by event name. */
    public static Map<String, Long> audit(Sections s) {
        Map<String, Long> counts = new TreeMap<>();
        s.audit().forEach(a -> counts.merge(a.event(), a.count(), Long::sum));
        return counts;
    }

    /** Call counts of a recorded section, keyed "co_filename:co_name" as the oracle's rawCalls are. */
    public static Map<String, Long> calls(Sections s) {
        Map<String, Long> counts = new TreeMap<>();
        s.calls().forEach(c -> counts.merge(c.qualifiedName(), c.count(), Long::sum));
        return counts;
    }

    /** Every module in a section's import tree. */
    public static Set<String> importSet(Sections s) {
        Set<String> modules = new TreeSet<>();
        s.allImports().forEach(i -> modules.add(i.module()));
        return modules;
    }

    /** The import tree in post-order with depths, the order and indentation of -X importtime's lines. */
    public static List<String> importTimeOrder(List<ImportNode> roots) {
        List<String> lines = new ArrayList<>();
        roots.forEach(root -> postOrder(root, 0, lines));
        return lines;
    }

    private static void postOrder(ImportNode node, int depth, List<String> lines) {
        node.children().forEach(child -> postOrder(child, depth + 1, lines));
        lines.add("  ".repeat(depth) + node.module());
    }

    /** Two recorded scopes collected alike: per generation, objects, pauses. */
    public static void assertSameGc(String what, GcStats actual, GcStats expected) {
        assertThat(actual.collections()).as("%s: collections per generation", what)
                .containsExactlyElementsOf(expected.collections());
        assertThat(actual.collected()).as("%s: objects collected", what).isEqualTo(expected.collected());
        assertThat(actual.pauseNanos().count()).as("%s: pauses", what).isEqualTo(expected.pauseNanos().count());
    }

    /**
     * The kernel's collections equal the oracle's: per generation (gc__start vs gc.callbacks "start"), and
     * objects (gc__done reports collected + uncollectable, as the oracle's "stop" info does in two fields).
     */
    public static void assertSameGc(String what, GcStats kernel, JsonNode oracleGc) {
        List<Long> collections = new ArrayList<>();
        oracleGc.path("collections").forEach(n -> collections.add(n.asLong()));
        long objects = oracleGc.path("collected").asLong() + oracleGc.path("uncollectable").asLong();
        assertThat(kernel.collections()).as("%s: collections per generation (kernel vs oracle)", what)
                .containsExactlyElementsOf(collections);
        assertThat(kernel.collected()).as("%s: objects collected + uncollectable (kernel vs oracle)", what)
                .isEqualTo(objects);
        assertThat(kernel.pauseNanos().count()).as("%s: one pause per collection", what)
                .isEqualTo(kernel.totalCollections());
    }
}

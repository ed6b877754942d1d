package dev.pybudget.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pybudget.recording.Recording;
import dev.pybudget.report.JsonReport;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import dev.pybudget.support.Pythons;
import dev.pybudget.support.PythonFixtures;

/** {@code pybudget trace} on fixtures: the printed report, the JSON report (schema 1), the exit status. */
class MainTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void should_print_the_report_and_write_a_json_report_of_schema_1() throws Exception {
        Path json = tmp.resolve("reports/gc_churn.json");
        String script = PythonFixtures.workload("gc_churn.py").toString();

        CliRun run = CliRun.run("trace", "--json", json.toString(), "--calls", "*/gc_churn.py:*", "--",
                Pythons.debian().toString(), script, "120");

        assertThat(run.status()).as("exit status; stderr: %s", run.err()).isZero();
        assertThat(run.err()).isEmpty();
        JsonNode root = JSON.readTree(json.toFile());
        assertSchema1(root);

        // The JSON reads back into the same recording (compared as text: the parser makes small numbers ints).
        Recording read = JsonReport.read(json);
        assertThat(JSON.writeValueAsString(JsonReport.toJson(read))).isEqualTo(JSON.writeValueAsString(root));

        String report = run.out();
        assertThat(report).startsWith("pybudget: " + Pythons.DEBIAN + " (CPython 3.11.2), pid " + root.at("/python/pid").asLong())
                .contains("exited with status 0")
                .contains("probes: audit gc__start gc__done import__find__load__start import__find__load__done function__return")
                .contains("lost events: 0")
                .contains("Imports: " + root.path("importCount").asLong() + " (")
                .contains("self [us] | cumulative | module")
                .contains(String.format("Collections: gen0 %d, gen1 %d, gen2 %d; %d objects collected",
                        root.at("/gc/collections/0").asLong(), root.at("/gc/collections/1").asLong(),
                        root.at("/gc/collections/2").asLong(), root.at("/gc/collected").asLong()))
                .contains("pauses: " + root.at("/gc/pauseNanos/count").asLong() + ", p50 <= ")
                .contains("Busiest functions:")
                .contains("Audit events:")
                .contains("== window 'work'")
                .endsWith("JSON report: " + json + System.lineSeparator());
        // The import tree as -X importtime prints it: self and cumulative microseconds, nested by indentation.
        assertThat(report).containsPattern(Pattern.compile("^\\s+\\d+ \\|\\s+\\d+ \\| encodings$", Pattern.MULTILINE))
                .containsPattern(Pattern.compile("^\\s+\\d+ \\|\\s+\\d+ \\|   codecs$", Pattern.MULTILINE))
                .containsPattern(Pattern.compile("^\\s+\\d+ \\|\\s+\\d+ \\| site$", Pattern.MULTILINE));
        // The busiest function first, with its count from the JSON.
        JsonNode top = root.at("/calls/0");
        Matcher busiest = Pattern.compile("Busiest functions:\\R\\s+(\\d+)  (\\S+)").matcher(report);
        assertThat(busiest.find()).isTrue();
        assertThat(busiest.group(1)).isEqualTo(top.path("count").asText());
        assertThat(busiest.group(2)).isEqualTo(script + ":" + top.path("function").asText());
        assertThat(root.path("calls")).extracting(c -> c.path("function").asText()).contains("build_tree", "churn");
    }

    @Test
    void should_exit_with_the_status_of_a_workload_that_exits_on_its_own_and_still_write_the_json() throws Exception {
        Path json = tmp.resolve("exit3.json");

        CliRun run = CliRun.run("trace", "--json", json.toString(), "--", Pythons.debian().toString(),
                PythonFixtures.workload("crash.py").toString(), "exit3");

        assertThat(run.status()).isEqualTo(3);
        JsonNode root = JSON.readTree(json.toFile());
        assertSchema1(root);
        assertThat(root.path("exitStatus").asInt()).isEqualTo(3);
        assertThat(root.path("windows")).extracting(w -> w.path("name").asText()).containsExactly("work");
        assertThat(run.out()).contains("exited with status 3");
    }

    @Test
    void should_exit_with_128_plus_the_signal_that_killed_the_workload() throws Exception {
        Path json = tmp.resolve("segv.json");

        CliRun run = CliRun.run("trace", "--json", json.toString(), "--", Pythons.debian().toString(),
                PythonFixtures.workload("crash.py").toString(), "segv");

        assertThat(run.status()).as("SIGSEGV is signal 11").isEqualTo(128 + 11);
        assertThat(JSON.readTree(json.toFile()).path("exitStatus").asInt()).isEqualTo(139);
    }

    /** Every field docs/json-report.md's schema 1 names, with its type; windows carry the same sections. */
    static void assertSchema1(JsonNode root) {
        assertThat(root.isObject()).isTrue();
        assertThat(root.path("schema").isInt()).isTrue();
        assertThat(root.path("schema").asInt()).isEqualTo(1);
        JsonNode python = root.path("python");
        assertThat(python.path("executable").isTextual()).as("python.executable").isTrue();
        assertThat(python.path("executable").asText()).isEqualTo(Pythons.DEBIAN.toString());
        assertThat(python.path("version").asText()).as("python.version").matches("3\\.11\\.\\d+");
        assertThat(python.path("pid").isIntegralNumber()).as("python.pid").isTrue();
        assertThat(python.path("pid").asLong()).isPositive();
        assertStrings(root, "probes");
        assertThat(root.path("probes")).extracting(JsonNode::asText).contains("gc__start", "gc__done", "audit",
                "import__find__load__start", "import__find__load__done");
        assertStrings(root, "missingProbes");
        assertThat(root.path("wallNanos").isIntegralNumber()).as("wallNanos").isTrue();
        assertThat(root.path("wallNanos").asLong()).isPositive();
        assertThat(root.path("lostEvents").isIntegralNumber()).as("lostEvents").isTrue();
        assertSections("whole run", root);
        assertThat(root.has("probeRates") && (root.path("probeRates").isNull() || root.path("probeRates").path("nanosPerHit")
                .isObject())).as("probeRates").isTrue();
        assertThat(root.path("windows").isArray()).as("windows").isTrue();
        for (JsonNode window : root.path("windows")) {
            assertThat(window.path("name").isTextual()).as("windows[].name").isTrue();
            assertSections("window " + window.path("name"), window);
        }
    }

    private static void assertSections(String what, JsonNode node) {
        JsonNode cost = node.path("probeCost");
        assertInt(what + ": probeCost", cost, "hits");
        assertInt(what + ": probeCost", cost, "wallNanos");
        assertThat(cost.path("hitsByKind").isObject()).as("%s: probeCost.hitsByKind", what).isTrue();
        long byKind = 0;
        for (JsonNode n : cost.path("hitsByKind")) {
            byKind += n.asLong();
        }
        assertThat(cost.path("hits").asLong()).as("%s: probeCost.hits is the sum of hitsByKind", what).isEqualTo(byKind);
        assertThat(cost.path("hitsByKind").path("gc").asLong()).as("%s: two hits a collection", what)
                .isEqualTo(2 * (node.path("gc").path("collections").get(0).asLong() + node.path("gc").path("collections").get(1)
                        .asLong() + node.path("gc").path("collections").get(2).asLong()));
        assertThat(cost.path("cpuNanos").isIntegralNumber() || cost.path("cpuNanos").isNull()).as("%s: cpuNanos", what).isTrue();
        assertThat(cost.path("percentOfWall").isNumber() || cost.path("percentOfWall").isNull()).as("%s: percentOfWall", what)
                .isTrue();
        assertThat(cost.path("atLeast").isBoolean()).as("%s: probeCost.atLeast", what).isTrue();
        assertThat(cost.path("notCalibrated").isArray()).as("%s: probeCost.notCalibrated", what).isTrue();
        assertThat(cost.path("sentence").asText()).as("%s: probeCost.sentence", what).startsWith("probes: ");
        JsonNode gc = node.path("gc");
        assertThat(gc.path("collections").isArray()).as("%s: gc.collections", what).isTrue();
        assertThat(gc.path("collections")).as("%s: gc.collections", what).hasSize(3)
                .allSatisfy(n -> assertThat(n.isIntegralNumber()).isTrue());
        assertInt(what, gc, "collected");
        JsonNode pauses = gc.path("pauseNanos");
        for (String field : List.of("count", "max", "p50", "p99")) {
            assertInt(what + ": gc.pauseNanos", pauses, field);
        }
        assertThat(pauses.path("log2Histogram").isArray()).as("%s: log2Histogram", what).isTrue();
        assertThat(pauses.path("log2Histogram")).isNotEmpty().allSatisfy(n -> assertThat(n.isIntegralNumber()).isTrue());
        long histogramTotal = 0;
        for (JsonNode n : pauses.path("log2Histogram")) {
            histogramTotal += n.asLong();
        }
        assertThat(histogramTotal).as("%s: the histogram holds every pause", what).isEqualTo(pauses.path("count").asLong());
        assertThat(node.path("imports").isArray()).as("%s: imports", what).isTrue();
        node.path("imports").forEach(i -> assertImport(what, i));
        assertThat(node.path("calls").isArray()).as("%s: calls", what).isTrue();
        for (JsonNode call : node.path("calls")) {
            assertThat(call.path("file").isTextual() && call.path("function").isTextual()).as("%s: calls[]", what).isTrue();
            assertInt(what + ": calls[]", call, "count");
        }
        assertThat(node.path("audit").isArray()).as("%s: audit", what).isTrue();
        for (JsonNode audit : node.path("audit")) {
            assertThat(audit.path("event").isTextual()).as("%s: audit[].event", what).isTrue();
            assertInt(what + ": audit[]", audit, "count");
        }
    }

    private static void assertImport(String what, JsonNode i) {
        assertThat(i.path("module").isTextual()).as("%s: imports[].module", what).isTrue();
        assertThat(i.path("found").isBoolean()).as("%s: imports[].found of %s", what, i.path("module")).isTrue();
        for (String field : List.of("startNanos", "durationNanos", "thread")) {
            assertInt(what + ": import " + i.path("module").asText(), i, field);
        }
        assertThat(i.path("children").isArray()).as("%s: imports[].children", what).isTrue();
        i.path("children").forEach(child -> assertImport(what, child));
    }

    private static void assertInt(String what, JsonNode node, String field) {
        assertThat(node.path(field).isIntegralNumber()).as("%s: %s is an integer in %s", what, field, node).isTrue();
        assertThat(node.path(field).asLong()).as("%s: %s", what, field).isNotNegative();
    }

    private static void assertStrings(JsonNode root, String field) {
        assertThat(root.path(field).isArray()).as(field).isTrue();
        assertThat(root.path(field)).as(field).allSatisfy(n -> assertThat(n.isTextual()).isTrue());
    }
}

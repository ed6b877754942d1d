package dev.pybudget.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pybudget.recording.GcStats;
import dev.pybudget.recording.Sections;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/** What python-fixtures/oracle.py wrote (see python-fixtures/README.md), and comparisons with a recording. */
record OracleFile(JsonNode root) {

    static OracleFile read(Path file) throws IOException {
        assertThat(file).as("the oracle's JSON").isRegularFile();
        return new OracleFile(new ObjectMapper().readTree(Files.readString(file)));
    }

    static OracleFile parse(String json) throws IOException {
        return new OracleFile(new ObjectMapper().readTree(json));
    }

    JsonNode window(String name) {
        JsonNode w = root.path("windows").path(name);
        assertThat(w.isMissingNode()).as("the oracle has a window '%s'", name).isFalse();
        return w;
    }

    Set<String> windowNames() {
        Set<String> names = new TreeSet<>();
        root.path("windows").fieldNames().forEachRemaining(names::add);
        return names;
    }

    static Map<String, Long> counts(JsonNode section, String field) {
        Map<String, Long> counts = new TreeMap<>();
        section.path(field).fields().forEachRemaining(e -> counts.put(e.getKey(), e.getValue().asLong()));
        return counts;
    }

    static Set<String> imports(JsonNode section) {
        Set<String> modules = new TreeSet<>();
        section.path("imports").forEach(m -> modules.add(m.asText()));
        return modules;
    }

    static Map<String, Long> audit(Sections s) {
        Map<String, Long> counts = new TreeMap<>();
        s.audit().forEach(a -> counts.merge(a.event(), a.count(), Long::sum));
        return counts;
    }

    /** Kernel call counts keyed "co_filename:co_name", as the oracle's rawCalls. */
    static Map<String, Long> calls(Sections s) {
        Map<String, Long> counts = new TreeMap<>();
        s.calls().forEach(c -> counts.merge(c.file() + ":" + c.function(), c.count(), Long::sum));
        return counts;
    }

    /** Collections per generation and objects collected (+ uncollectable) equal the oracle's section. */
    static void assertSameGc(String what, GcStats kernel, JsonNode oracleGc) {
        List<Long> collections = new ArrayList<>();
        oracleGc.path("collections").forEach(n -> collections.add(n.asLong()));
        assertThat(kernel.collections()).as("%s: collections per generation, kernel vs oracle", what)
                .containsExactlyElementsOf(collections);
        assertThat(kernel.collected()).as("%s: objects collected, kernel vs oracle", what)
                .isEqualTo(oracleGc.path("collected").asLong() + oracleGc.path("uncollectable").asLong());
    }

    /** gc, audit per event and import count of a window equal the oracle's window. */
    static void assertSameWindow(String name, Sections kernel, JsonNode oracle) {
        assertSameGc("window '" + name + "'", kernel.gc(), oracle.path("gc"));
        assertThat(audit(kernel)).as("window '%s': audit events, kernel vs oracle", name)
                .isEqualTo(counts(oracle, "audit"));
        assertThat(kernel.importCount()).as("window '%s': imports, kernel vs oracle", name)
                .isEqualTo(imports(oracle).size());
    }
}

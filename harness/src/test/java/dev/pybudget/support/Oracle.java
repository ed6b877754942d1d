package dev.pybudget.support;

import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What python-fixtures/support/oracle.py wrote (its format: python-fixtures/README.md): the whole run from
 * install() to finish(), its windows, and gc.get_stats().
 */
public record Oracle(JsonNode root) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public static Oracle read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            fail("the oracle wrote no " + file);
        }
        return new Oracle(JSON.readTree(file.toFile()));
    }

    public static Oracle parse(String json) throws IOException {
        return new Oracle(JSON.readTree(json));
    }

    /** The whole run's sections, from install() to finish(). */
    public JsonNode whole() {
        return root;
    }

    /** gc.get_stats() at finish(): every collection since the interpreter started. */
    public JsonNode gcStats() {
        return root.path("gcStats");
    }

    /** The CPython version the oracle ran in, e.g. "3.11.2". */
    public String python() {
        return root.path("python").asText();
    }

    public JsonNode window(String name) {
        JsonNode w = root.path("windows").path(name);
        if (w.isMissingNode()) {
            fail("the oracle has no window '" + name + "'; it has " + windowNames());
        }
        return w;
    }

    public Set<String> windowNames() {
        Set<String> names = new TreeSet<>();
        root.path("windows").fieldNames().forEachRemaining(names::add);
        return names;
    }

    /** A section's "audit", "calls" or "rawCalls" object as a sorted map. */
    public static Map<String, Long> counts(JsonNode section, String field) {
        Map<String, Long> counts = new TreeMap<>();
        section.path(field).fields().forEachRemaining(e -> counts.put(e.getKey(), e.getValue().asLong()));
        return counts;
    }

    /** A section's imported modules, as a set. */
    public static Set<String> imports(JsonNode section) {
        Set<String> modules = new TreeSet<>();
        section.path("imports").forEach(m -> modules.add(m.asText()));
        return modules;
    }
}

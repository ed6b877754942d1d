package dev.pybudget.assertions.baseline;

import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/** The baseline file: JSON, sorted keys, one metric per line, written whole or not at all. */
public final class BaselineFile {
    private BaselineFile() {}

    public static final int SCHEMA = 1;
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /**
     * What a baseline file holds.
     *
     * @param callPattern the pattern whose calls were counted; empty when none was, or in a file written before
     *                    baselines kept it
     */
    record Stored(String scope, String python, SortedMap<String, Long> counts, Optional<SortedSet<String>> modules,
                  Optional<String> callPattern) {}

    static Stored read(Path file) throws IOException {
        JsonNode root = MAPPER.readTree(file.toFile());
        if (root == null || root.path("schema").asInt() != SCHEMA) {
            throw new IOException("not a pybudget baseline of schema " + SCHEMA + " (" + file + ")");
        }
        SortedMap<String, Long> counts = new TreeMap<>();
        Optional<SortedSet<String>> modules = Optional.empty();
        for (Map.Entry<String, JsonNode> e : root.path("metrics").properties()) {
            if (e.getKey().equals(BaselineMetrics.MODULES)) {
                SortedSet<String> names = new TreeSet<>();
                e.getValue().forEach(n -> names.add(n.asText()));
                modules = Optional.of(names);
            } else if (e.getValue().canConvertToLong()) {
                counts.put(e.getKey(), e.getValue().asLong());
            } else {
                throw new IOException("the metric " + e.getKey() + " is not a whole number (" + file + ")");
            }
        }
        Optional<String> callPattern = root.hasNonNull("callPattern") ? Optional.of(root.get("callPattern").asText())
                : Optional.empty();
        return new Stored(root.path("scope").asText(), root.path("python").asText(), counts, modules, callPattern);
    }

    /** Sorted keys, one metric (or module) per line, "\n" line ends and a final newline: stable diffs on every platform. */
    static void write(Path file, Stored stored) throws IOException {
        ObjectNode root = MAPPER.createObjectNode();
        stored.callPattern().ifPresent(p -> root.put("callPattern", p));
        ObjectNode metrics = root.putObject("metrics");
        SortedMap<String, Object> sorted = new TreeMap<>(stored.counts());
        stored.modules().ifPresent(m -> sorted.put(BaselineMetrics.MODULES, m));
        sorted.forEach((key, value) -> {
            if (value instanceof Long n) {
                metrics.put(key, n);
            } else {
                ArrayNode names = metrics.putArray(key);
                ((SortedSet<?>) value).forEach(m -> names.add((String) m));
            }
        });
        root.put("python", stored.python());
        root.put("schema", SCHEMA);
        root.put("scope", stored.scope());
        DefaultIndenter lines = new DefaultIndenter("  ", "\n");
        DefaultPrettyPrinter printer = new DefaultPrettyPrinter();
        printer.indentObjectsWith(lines);
        printer.indentArraysWith(lines);
        String json = MAPPER.writer(printer).writeValueAsString(root) + "\n";

        Path absolute = file.toAbsolutePath();
        Files.createDirectories(absolute.getParent());
        Path tmp = Files.createTempFile(absolute.getParent(), "." + absolute.getFileName(), ".tmp");
        try {
            Files.writeString(tmp, json, StandardCharsets.UTF_8);
            if (tmp.getFileSystem().supportedFileAttributeViews().contains("posix")) {
                // a file to commit and share, not a secret: temporary files start as 0600
                Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
            }
            Files.move(tmp, absolute, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}

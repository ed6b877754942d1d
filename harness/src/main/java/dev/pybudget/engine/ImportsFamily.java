package dev.pybudget.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pybudget.elf.Marker;
import dev.pybudget.recording.ImportNode;
import dev.pybudget.recording.ImportStats;
import dev.pybudget.recording.ReportText;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The imports family (bpf/imports.bpf.c on import__find__load__start/done): the exact count in the shared
 * {@code stats} map, and the tree from the stream. Its section is {@link ImportStats}, "importCount" and "imports"
 * in each scope of the JSON report.
 */
final class ImportsFamily extends InterpreterFamily<ImportStats> {
    static final ImportsFamily INSTANCE = new ImportsFamily();

    private ImportsFamily() {
        super(ImportStats.FAMILY, ImportStats.class, ImportStats.NOTHING, Concern.IMPORTS);
    }

    @Override
    Optional<Map<Integer, ImportStats>> read(BpfObjects bpf, Collection<Integer> slots) {
        Map<Integer, ImportStats> bySlot = new HashMap<>();
        MapWalk.slots(bpf, "stats", Layout.STATS_SIZE, slots).forEach((slot, v) ->
                bySlot.put(slot, new ImportStats(Layout.u64(v, Layout.STATS_IMPORTS), List.of())));
        return Optional.of(bySlot);
    }

    /** The count added up over the slots; the tree of every import that started inside one of them. */
    @Override
    ImportStats scope(Map<Integer, ImportStats> bySlot, Set<Integer> slots, Streamed stream) {
        return new ImportStats(of(bySlot, slots).count(), slots.contains(0) ? stream.trees().all() : stream.trees().in(slots));
    }

    @Override
    public void writeScope(ObjectNode scope, Optional<ImportStats> section) {
        ImportStats s = section.orElse(ImportStats.NOTHING);
        scope.put("importCount", s.count());
        ArrayNode imports = scope.putArray("imports");
        s.tree().forEach(i -> putImport(imports.addObject(), i));
    }

    @Override
    public Optional<ImportStats> readScope(JsonNode scope) {
        List<ImportNode> imports = new ArrayList<>();
        scope.path("imports").forEach(i -> imports.add(importNode(i)));
        return Optional.of(new ImportStats(scope.path("importCount").asLong(), imports));
    }

    private static void putImport(ObjectNode node, ImportNode i) {
        node.put("module", i.module());
        node.put("found", i.found());
        node.put("startNanos", i.startNanos());
        node.put("durationNanos", i.durationNanos());
        node.put("selfNanos", i.selfNanos());
        node.put("thread", i.thread());
        ArrayNode children = node.putArray("children");
        i.children().forEach(c -> putImport(children.addObject(), c));
    }

    private static ImportNode importNode(JsonNode i) {
        List<ImportNode> children = new ArrayList<>();
        i.path("children").forEach(c -> children.add(importNode(c)));
        return new ImportNode(i.path("module").asText(), i.path("found").asBoolean(), i.path("startNanos").asLong(),
                i.path("durationNanos").asLong(), i.path("thread").asLong(), children);
    }

    @Override
    public Optional<String> notMeasured(List<String> missingProbes) {
        return missingProbes.contains(Marker.IMPORT_START.probe())
                ? Optional.of("Imports: not measured (no import__find__load__start probe)") : Optional.empty();
    }

    /** As {@code python -X importtime} shows them: self and cumulative microseconds, nested by who imported what. */
    @Override
    public String describe(ImportStats s) {
        long importNanos = s.tree().stream().mapToLong(ImportNode::durationNanos).sum();
        StringBuilder out = new StringBuilder(ReportText.format("Imports: %d (%s at the top level)", s.count(),
                ReportText.millis(importNanos)));
        if (!s.tree().isEmpty()) {
            out.append("\n  self [us] | cumulative | module");
            s.tree().forEach(i -> importLine(out, i, 0));
        }
        return out.toString();
    }

    private static void importLine(StringBuilder out, ImportNode node, int depth) {
        out.append(ReportText.format("\n  %9d | %10d | %s%s%s", node.selfNanos() / 1000,
                node.durationNanos() / 1000, "  ".repeat(depth), node.module(), node.found() ? "" : " (not found)"));
        node.children().forEach(child -> importLine(out, child, depth + 1));
    }
}

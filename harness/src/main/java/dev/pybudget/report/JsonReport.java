package dev.pybudget.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pybudget.engine.ProbeFamily;
import dev.pybudget.recording.Loss;
import dev.pybudget.recording.Losses;
import dev.pybudget.recording.ProbeCost;
import dev.pybudget.recording.ProbeRates;
import dev.pybudget.recording.PythonInfo;
import dev.pybudget.recording.Recording;
import dev.pybudget.recording.Section;
import dev.pybudget.recording.Sections;
import dev.pybudget.recording.Window;
import dev.pybudget.recording.WindowSpan;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The JSON report, schema 1 (see docs/json-report.md): users' pipelines read it, so fields are only
 * ever added. Added to the contract's fields: importCount and auditEvents per section,
 * totalNanos of pauses, selfNanos of imports, losses (one field per kind of loss),
 * unfollowedEnds per window, exitStatus, callPattern and missingProbesReason
 * (one sentence saying why the missingProbes are missing, or null), spans of windows (the times each was open),
 * callPatternMatched (the functions the call pattern matched, "file:function", derived from the calls), and per
 * section one field per probe family ({@link ProbeFamily#all()}, each written by its family; null when not
 * recorded): kernel (off-CPU time, context switches, page faults, syscalls), gil (waits for the GIL); probeCost per
 * section and probeRates (what the probes cost the workload, see {@link ProbeCostJson}).
 */
public final class JsonReport {
    private JsonReport() {}

    public static final int SCHEMA = 1;
    /** Reads reports back (not on the command line's path: see JsonText). */
    private static final class Reader {
        static final ObjectMapper MAPPER = new ObjectMapper();
    }

    public static ObjectNode toJson(Recording r) {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        root.put("schema", SCHEMA);
        ObjectNode python = root.putObject("python");
        python.put("executable", r.python().executable());
        python.put("version", r.python().version());
        python.put("pid", r.python().pid());
        // Added in schema 1: only on a recording that attached to a process already running.
        r.python().attachedAfterNanos().ifPresent(n -> python.put("attachedAfterNanos", n));
        r.probes().forEach(root.putArray("probes")::add);
        r.missingProbes().forEach(root.putArray("missingProbes")::add);
        if (r.missingProbesReason().isPresent()) {
            root.put("missingProbesReason", r.missingProbesReason().get());
        } else {
            root.putNull("missingProbesReason");
        }
        root.put("wallNanos", r.wallNanos());
        putSections(root, r.whole());
        Optional<ProbeRates> rates = ProbeRates.known();
        ProbeCostJson.put(root, ProbeCost.of(r, rates));
        root.put("lostEvents", r.lostEvents());
        ObjectNode losses = root.putObject("losses");
        for (Loss kind : Loss.values()) {
            losses.put(kind.jsonName(), r.losses().get(kind));
        }
        ArrayNode windows = root.putArray("windows");
        for (Window w : r.windows()) {
            ObjectNode node = windows.addObject();
            node.put("name", w.name());
            putSections(node, w.sections());
            ProbeCostJson.put(node, ProbeCost.of(r, w, rates));
            node.put("unfollowedEnds", w.unfollowedEnds());
            ArrayNode spans = node.putArray("spans");
            for (WindowSpan span : w.spans()) {
                spans.addObject().put("thread", span.thread()).put("startNanos", span.startNanos())
                        .put("durationNanos", span.durationNanos()).put("open", span.open());
            }
        }
        if (r.callPattern().isPresent()) {
            root.put("callPattern", r.callPattern().get());
        } else {
            root.putNull("callPattern");
        }
        r.callPatternMatched().forEach(root.putArray("callPatternMatched")::add);
        if (r.exitStatus().isPresent()) {
            root.put("exitStatus", r.exitStatus().get());
        } else {
            root.putNull("exitStatus");
        }
        ProbeCostJson.putRates(root, rates);
        return root;
    }

    public static String toString(Recording r) {
        return JsonText.of(toJson(r));
    }

    /** Writes the report whole or not at all: a temporary file renamed into place. */
    public static void write(Recording r, Path file) throws IOException {
        Path absolute = file.toAbsolutePath();
        Path dir = absolute.getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + absolute.getFileName(), ".tmp");
        try {
            JsonText.write(toJson(r), tmp);
            Files.move(tmp, absolute, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    public static Recording read(Path file) throws IOException {
        return fromJson(Reader.MAPPER.readTree(file.toFile()));
    }

    public static Recording parse(String json) throws IOException {
        return fromJson(Reader.MAPPER.readTree(json));
    }

    public static Recording fromJson(JsonNode root) {
        if (root.path("schema").asInt() != SCHEMA) {
            throw new IllegalArgumentException("Not a pybudget report of schema " + SCHEMA + ": schema is " + root.path("schema"));
        }
        JsonNode p = root.path("python");
        List<Window> windows = new ArrayList<>();
        for (JsonNode w : root.path("windows")) {
            List<WindowSpan> spans = new ArrayList<>();
            w.path("spans").forEach(s -> spans.add(new WindowSpan(s.path("thread").asLong(), s.path("startNanos").asLong(),
                    s.path("durationNanos").asLong(), s.path("open").asBoolean())));
            windows.add(new Window(w.path("name").asText(), sections(w), w.path("unfollowedEnds").asLong(), spans));
        }
        JsonNode l = root.path("losses");
        java.util.Map<Loss, Long> lost = new java.util.EnumMap<>(Loss.class);
        for (Loss kind : Loss.values()) {
            lost.put(kind, l.path(kind.jsonName()).asLong());
        }
        lost.put(Loss.EVENTS, root.path("lostEvents").asLong());
        Losses losses = Losses.of(lost);
        JsonNode exit = root.path("exitStatus");
        return new Recording(new PythonInfo(p.path("executable").asText(), p.path("version").asText(), p.path("pid").asLong(),
                        p.has("attachedAfterNanos") ? java.util.OptionalLong.of(p.path("attachedAfterNanos").asLong())
                                : java.util.OptionalLong.empty()),
                strings(root.path("probes")), strings(root.path("missingProbes")), root.path("wallNanos").asLong(),
                sections(root), root.path("lostEvents").asLong(), losses, windows,
                exit.isIntegralNumber() ? Optional.of(exit.asInt()) : Optional.empty(),
                root.path("callPattern").isTextual() ? Optional.of(root.path("callPattern").asText()) : Optional.empty(),
                root.path("missingProbesReason").isTextual() ? Optional.of(root.path("missingProbesReason").asText())
                        : Optional.empty());
    }

    /** Each family's part of the scope, in {@link ProbeFamily#all()}'s order. */
    private static void putSections(ObjectNode node, Sections s) {
        for (ProbeFamily<?> family : ProbeFamily.all()) {
            putFamily(node, family, s);
        }
    }

    private static <S extends Section<S>> void putFamily(ObjectNode scope, ProbeFamily<S> family, Sections s) {
        family.writeScope(scope, s.section(family.name(), family.sectionType()));
    }

    private static Sections sections(JsonNode node) {
        Map<String, Section<?>> families = new LinkedHashMap<>();
        for (ProbeFamily<?> family : ProbeFamily.all()) {
            family.readScope(node).ifPresent(section -> families.put(family.name(), section));
        }
        return new Sections(families);
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}

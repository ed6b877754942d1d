package dev.pybudget.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pybudget.recording.AuditCount;
import dev.pybudget.recording.AuditEvent;
import dev.pybudget.recording.AuditStats;
import dev.pybudget.recording.ReportText;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The audit family (bpf/audit.bpf.c on CPython's audit marker, bpf/audit_symbol.bpf.c on its internal function):
 * how often each audit event fired, exact, and with {@code streamAudit} each event from the stream. Its section is
 * {@link AuditStats}, "audit" and "auditEvents" in each scope of the JSON report.
 */
final class AuditFamily extends InterpreterFamily<AuditStats> {
    static final AuditFamily INSTANCE = new AuditFamily();

    private AuditFamily() {
        super(AuditStats.FAMILY, AuditStats.class, AuditStats.NOTHING, Concern.AUDIT);
    }

    @Override
    Optional<Map<Integer, AuditStats>> read(BpfObjects objects, Collection<Integer> slots) {
        Map<Integer, List<AuditCount>> counts = new HashMap<>();
        if (objects.has(Concern.AUDIT) || objects.has(Concern.AUDIT_SYMBOL)) {
            MapWalk.forEach(objects.lib(), objects.mapFd("audit_counts"), Layout.AUDIT_KEY_SIZE, 8, (k, v) -> counts
                    .computeIfAbsent(Layout.u32(k, 0), s -> new ArrayList<>())
                    .add(new AuditCount(Layout.cString(k, 8, Layout.AUDIT_NAME_LEN), Layout.u64(v, 0))));
        }
        Map<Integer, AuditStats> bySlot = new HashMap<>();
        counts.forEach((slot, list) -> bySlot.put(slot, new AuditStats(AuditStats.sorted(list), List.of())));
        return Optional.of(bySlot);
    }

    /** The counts added up over the slots; the streamed events that fired inside one of them. */
    @Override
    AuditStats scope(Map<Integer, AuditStats> bySlot, Set<Integer> slots, Streamed stream) {
        List<AuditEvent> events = new ArrayList<>();
        for (StreamEvent e : stream.events()) {
            if (e.kind() == Layout.EV_AUDIT && e.inAny(slots)) {
                events.add(new AuditEvent(e.name(), e.tsNanos() - stream.originNanos(), e.tid()));
            }
        }
        return new AuditStats(of(bySlot, slots).counts(), events);
    }

    @Override
    public void writeScope(ObjectNode scope, Optional<AuditStats> section) {
        AuditStats s = section.orElse(AuditStats.NOTHING);
        ArrayNode audit = scope.putArray("audit");
        for (AuditCount a : s.counts()) {
            audit.addObject().put("event", a.event()).put("count", a.count());
        }
        ArrayNode events = scope.putArray("auditEvents");
        for (AuditEvent e : s.events()) {
            events.addObject().put("event", e.event()).put("nanos", e.nanos()).put("thread", e.thread());
        }
    }

    @Override
    public Optional<AuditStats> readScope(JsonNode scope) {
        List<AuditCount> audit = new ArrayList<>();
        scope.path("audit").forEach(a -> audit.add(new AuditCount(a.path("event").asText(), a.path("count").asLong())));
        List<AuditEvent> events = new ArrayList<>();
        scope.path("auditEvents").forEach(e -> events.add(new AuditEvent(e.path("event").asText(), e.path("nanos").asLong(),
                e.path("thread").asLong())));
        return Optional.of(new AuditStats(audit, events));
    }

    /** Each event with how often it fired; nothing when none fired. */
    @Override
    public String describe(AuditStats s) {
        if (s.counts().isEmpty()) {
            return "";
        }
        StringBuilder out = new StringBuilder("Audit events:");
        s.counts().forEach(a -> out.append(ReportText.format("\n  %10d  %s", a.count(), a.event())));
        return out.toString();
    }
}

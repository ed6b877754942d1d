package dev.pybudget.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pybudget.recording.CallCount;
import dev.pybudget.recording.CallStats;
import dev.pybudget.recording.ReportText;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The calls family (bpf/calls.bpf.c on function__return, for the functions of the call pattern; on CPython 3.12+
 * counted inside the workload instead, see {@link InProcessReading}): calls per function, exact. Its section is
 * {@link CallStats}, "calls" in each scope of the JSON report (an empty array when calls were not counted).
 */
final class CallsFamily extends InterpreterFamily<CallStats> {
    static final CallsFamily INSTANCE = new CallsFamily();

    private static final int TOP_CALLS = 15;

    private CallsFamily() {
        super(CallStats.FAMILY, CallStats.class, CallStats.NOTHING, Concern.CALLS);
    }

    /**
     * The whole run's counts (slot 0) are kept per function id in the array call_totals, the windows' per (slot, function
     * id) in call_counts; call_ids names the ids. An id is in call_ids before any count uses it, so reading the window
     * counts first leaves none unnamed; the whole run's are read by the names.
     */
    @Override
    Optional<Map<Integer, CallStats>> read(BpfObjects objects, Collection<Integer> slots) {
        Map<Integer, CallStats> bySlot = new HashMap<>();
        if (!objects.has(Concern.CALLS)) {
            return Optional.of(bySlot);
        }
        Map<Integer, List<long[]>> counts = new HashMap<>();
        MapWalk.forEach(objects.lib(), objects.mapFd("call_counts"), Layout.CALL_KEY_SIZE, 8, (k, v) -> counts
                .computeIfAbsent(Layout.u32(k, 0), s -> new ArrayList<>())
                .add(new long[] {Layout.u32(k, 4), Layout.u64(v, 0)}));
        Map<Integer, String[]> names = new HashMap<>();
        MapWalk.forEach(objects.lib(), objects.mapFd("call_ids"), Layout.CALL_NAME_SIZE, 4, (k, v) -> names.put(Layout.u32(v, 0),
                new String[] {Layout.cString(k, 0, Layout.FILE_LEN), Layout.cString(k, Layout.FILE_LEN, Layout.FUNC_LEN)}));
        List<long[]> run = new ArrayList<>();
        int totals = objects.mapFd("call_totals");
        byte[] key = new byte[4];
        byte[] value = new byte[8];
        for (int id : names.keySet()) {
            Layout.putU32(key, 0, id);
            // An id past the array's end has no total: its calls were counted as losses (calls.bpf.c).
            if (objects.lib().bpf_map_lookup_elem(totals, key, value) == 0 && Layout.u64(value, 0) > 0) {
                run.add(new long[] {id, Layout.u64(value, 0)});
            }
        }
        if (!run.isEmpty()) {
            counts.put(0, run);
        }
        counts.forEach((slot, list) -> {
            List<CallCount> named = new ArrayList<>();
            for (long[] count : list) {
                String[] name = Objects.requireNonNull(names.get((int) count[0]), "a call count without a name");
                named.add(new CallCount(name[0], name[1], count[1]));
            }
            bySlot.put(slot, new CallStats(CallStats.sorted(named)));
        });
        return Optional.of(bySlot);
    }

    @Override
    public void writeScope(ObjectNode scope, Optional<CallStats> section) {
        ArrayNode calls = scope.putArray("calls");
        for (CallCount c : section.orElse(CallStats.NOTHING).counts()) {
            calls.addObject().put("file", c.file()).put("function", c.function()).put("count", c.count());
        }
    }

    @Override
    public Optional<CallStats> readScope(JsonNode scope) {
        List<CallCount> calls = new ArrayList<>();
        scope.path("calls").forEach(c -> calls.add(new CallCount(c.path("file").asText(), c.path("function").asText(),
                c.path("count").asLong())));
        return Optional.of(new CallStats(calls));
    }

    /** The busiest functions; nothing when no function of the pattern was called. */
    @Override
    public String describe(CallStats s) {
        if (s.counts().isEmpty()) {
            return "";
        }
        StringBuilder out = new StringBuilder("Busiest functions:");
        s.counts().stream().limit(TOP_CALLS).forEach(c -> out.append(ReportText.format("\n  %10d  %s", c.count(),
                c.qualifiedName())));
        if (s.counts().size() > TOP_CALLS) {
            out.append("\n  ... and ").append(s.counts().size() - TOP_CALLS).append(" more");
        }
        return out.toString();
    }
}

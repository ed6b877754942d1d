package dev.pybudget.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pybudget.elf.Marker;
import dev.pybudget.recording.GcStats;
import dev.pybudget.recording.PauseStats;
import dev.pybudget.recording.ReportText;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The gc family (bpf/gc.bpf.c on CPython's gc__start/gc__done markers, bpf/gc_symbol.bpf.c on its internal
 * functions where the markers are missing): collections per generation, objects collected, pauses. Its counts
 * live in the shared {@code stats} map, which every trace has; its section is {@link GcStats}, "gc" in the JSON.
 */
final class GcFamily extends InterpreterFamily<GcStats> {
    static final GcFamily INSTANCE = new GcFamily();

    private GcFamily() {
        super(GcStats.FAMILY, GcStats.class, GcStats.NOTHING, Concern.GC);
    }

    @Override
    Optional<Map<Integer, GcStats>> read(BpfObjects bpf, Collection<Integer> slots) {
        Map<Integer, GcStats> bySlot = new HashMap<>();
        MapWalk.slots(bpf, "stats", Layout.STATS_SIZE, slots).forEach((slot, v) -> bySlot.put(slot, gcStats(v)));
        return Optional.of(bySlot);
    }

    private static GcStats gcStats(byte[] v) {
        List<Long> histogram = new ArrayList<>(Layout.HIST_BUCKETS);
        for (int b = 0; b < Layout.HIST_BUCKETS; b++) {
            histogram.add(Layout.u64(v, Layout.STATS_GC_PAUSE_HIST + 8 * b));
        }
        PauseStats pauses = PauseStats.fromHistogram(Layout.u64(v, Layout.STATS_GC_PAUSE_MAX),
                Layout.u64(v, Layout.STATS_GC_PAUSE_TOTAL), histogram);
        return new GcStats(List.of(Layout.u64(v, 0), Layout.u64(v, 8), Layout.u64(v, 16)),
                Layout.u64(v, Layout.STATS_GC_COLLECTED), pauses);
    }

    @Override
    public void writeJson(ObjectNode gc, GcStats s) {
        s.collections().forEach(gc.putArray("collections")::add);
        gc.put("collected", s.collected());
        PauseStats pauses = s.pauseNanos();
        ObjectNode p = gc.putObject("pauseNanos");
        p.put("count", pauses.count());
        p.put("max", pauses.max());
        p.put("p50", pauses.p50());
        p.put("p99", pauses.p99());
        p.put("totalNanos", pauses.totalNanos());
        pauses.log2Histogram().forEach(p.putArray("log2Histogram")::add);
    }

    /** Always an object: every trace counts collections (zeros where CPython lacks the probes, see notMeasured). */
    @Override
    public void writeScope(ObjectNode scope, Optional<GcStats> section) {
        writeJson(scope.putObject(name()), section.orElse(GcStats.NOTHING));
    }

    @Override
    public GcStats readJson(JsonNode gc) {
        JsonNode p = gc.path("pauseNanos");
        List<Long> histogram = new ArrayList<>();
        p.path("log2Histogram").forEach(n -> histogram.add(n.asLong()));
        List<Long> collections = new ArrayList<>();
        gc.path("collections").forEach(n -> collections.add(n.asLong()));
        return new GcStats(collections, gc.path("collected").asLong(),
                new PauseStats(p.path("count").asLong(), p.path("max").asLong(), p.path("p50").asLong(),
                        p.path("p99").asLong(), p.path("totalNanos").asLong(), histogram));
    }

    @Override
    public Optional<String> notMeasured(List<String> missingProbes) {
        return missingProbes.contains(Marker.GC_START.probe()) ? Optional.of("Collections: not measured (no gc__start probe)")
                : Optional.empty();
    }

    @Override
    public String describe(GcStats gc) {
        String text = ReportText.format("Collections: gen0 %d, gen1 %d, gen2 %d; %d objects collected",
                gc.collections(0), gc.collections(1), gc.collections(2), gc.collected());
        if (gc.pauseNanos().count() > 0) {
            text += ReportText.format("\n  pauses: %d, p50 <= %s, p99 <= %s, max %s, total %s",
                    gc.pauseNanos().count(), ReportText.millis(gc.pauseNanos().p50()), ReportText.millis(gc.pauseNanos().p99()),
                    ReportText.millis(gc.pauseNanos().max()), ReportText.millis(gc.pauseNanos().totalNanos()));
        }
        return text;
    }
}

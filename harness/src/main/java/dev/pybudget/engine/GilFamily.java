package dev.pybudget.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pybudget.elf.PythonBinary;
import dev.pybudget.recording.GilStats;
import dev.pybudget.recording.PauseStats;
import java.util.ArrayList;
import java.nio.file.Path;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The GIL-wait family (bpf/gil.bpf.c): how long each acquisition of the GIL waited, entry to return of CPython's
 * internal take_gil, and which of them another thread made wait (contended: the thread slept inside take_gil).
 * take_gil has no marker: the Tracer attaches the programs by offset where {@link SymbolProbes} finds it (symbol
 * table or build-id debug file), or refuses in one sentence. Only with {@code TraceOptions.withFamily("gil")} (or {@code withGilWaits(true)});
 * its section is {@link GilStats}, "gil" in the JSON report.
 */
final class GilFamily extends ProbeFamily<GilStats> {
    static final GilFamily INSTANCE = new GilFamily();

    private GilFamily() {}

    @Override
    public String name() {
        return GilStats.FAMILY;
    }

    @Override
    public Class<GilStats> sectionType() {
        return GilStats.class;
    }

    @Override
    public GilStats nothing() {
        return GilStats.NOTHING;
    }

    @Override
    Concern concern() {
        return Concern.GIL;
    }

    /** Only when asked: {@code TraceOptions.withFamily("gil")}. */
    @Override
    public boolean optional() {
        return true;
    }

    /**
     * take_gil of this CPython, which has no marker for it: from its symbol table or its build-id
     * debug file, or one sentence saying why not (never a trace whose GIL waits read zero).
     */
    @Override
    Optional<SymbolProbes.Served> symbolSites(PythonBinary python, Path root) {
        Map<SymbolProbes.Family, String> notServed = new EnumMap<>(SymbolProbes.Family.class);
        List<SymbolProbes.Served> gil = SymbolProbes.plan(python, List.of(SymbolProbes.Family.GIL), root, notServed);
        if (!gil.isEmpty()) {
            return Optional.of(gil.get(0));
        }
        String minor = python.versionMajorMinor().map(Object::toString).orElse("X.Y");
        throw new TraceException("GIL waits cannot be measured in " + python.executable() + ": they are timed on CPython's"
                + " internal take_gil, found only by symbol, and " + notServed.get(SymbolProbes.Family.GIL)
                + " (install python" + minor + "-dbg for a Debian build, or keep the symbol table of a source build).");
    }

    /** Contended acquisitions are always told apart (it costs a read of the thread's nvcsw at entry and return). */
    @Override
    byte[] settings(TraceOptions options) {
        byte[] gil = new byte[Layout.GIL_SETTINGS_SIZE];
        Layout.putU32(gil, Layout.GIL_SETTINGS_COUNT_CONTENDED, 1);
        return gil;
    }

    @Override
    Optional<Map<Integer, GilStats>> read(BpfObjects objects, Collection<Integer> slots) {
        Map<Integer, GilStats> bySlot = new HashMap<>();
        MapWalk.slots(objects, "gil_stats", Layout.GIL_STATS_SIZE, slots).forEach((slot, v) -> bySlot.put(slot, new GilStats(
                waits(v, Layout.GIL_STATS_WAIT_MAX, Layout.GIL_STATS_WAIT_TOTAL, Layout.GIL_STATS_WAIT_HIST),
                waits(v, Layout.GIL_STATS_CONTENDED_MAX, Layout.GIL_STATS_CONTENDED_TOTAL, Layout.GIL_STATS_CONTENDED_HIST))));
        return Optional.of(bySlot);
    }

    /** The count is the histogram's sum, as for gc pauses: one reading, never a count and a histogram that disagree. */
    private static PauseStats waits(byte[] v, int max, int total, int hist) {
        List<Long> h = new ArrayList<>(Layout.HIST_BUCKETS);
        for (int b = 0; b < Layout.HIST_BUCKETS; b++) {
            h.add(Layout.u64(v, hist + 8 * b));
        }
        return PauseStats.fromHistogram(Layout.u64(v, max), Layout.u64(v, total), h);
    }

    /** {"waits": {...}, "contended": {...}}, each in the shape of gc's "pauseNanos". */
    @Override
    public void writeJson(ObjectNode node, GilStats g) {
        writeWaits(node.putObject("waits"), g.waits());
        writeWaits(node.putObject("contended"), g.contended());
    }

    private static void writeWaits(ObjectNode node, PauseStats p) {
        node.put("count", p.count());
        node.put("max", p.max());
        node.put("p50", p.p50());
        node.put("p99", p.p99());
        node.put("totalNanos", p.totalNanos());
        p.log2Histogram().forEach(node.putArray("log2Histogram")::add);
    }

    @Override
    public GilStats readJson(JsonNode node) {
        return new GilStats(readWaits(node.path("waits")), readWaits(node.path("contended")));
    }

    private static PauseStats readWaits(JsonNode p) {
        List<Long> histogram = new ArrayList<>();
        p.path("log2Histogram").forEach(n -> histogram.add(n.asLong()));
        return new PauseStats(p.path("count").asLong(), p.path("max").asLong(), p.path("p50").asLong(), p.path("p99").asLong(),
                p.path("totalNanos").asLong(), histogram);
    }

    @Override
    public String describe(GilStats g) {
        return GilStats.describe(g);
    }
}

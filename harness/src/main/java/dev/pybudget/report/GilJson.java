package dev.pybudget.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pybudget.recording.GilStats;
import dev.pybudget.recording.PauseStats;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The "gil" section of a scope in the JSON report: {@code waits} (every acquisition of the GIL) and
 * {@code contended} (those another thread made wait), each in the shape of gc's {@code pauseNanos}; null when
 * GIL waits were not recorded.
 */
final class GilJson {
    private GilJson() {}

    static void put(ObjectNode scope, Optional<GilStats> stats) {
        if (stats.isEmpty()) {
            scope.putNull("gil");
            return;
        }
        ObjectNode node = scope.putObject("gil");
        putWaits(node.putObject("waits"), stats.get().waits());
        putWaits(node.putObject("contended"), stats.get().contended());
    }

    private static void putWaits(ObjectNode node, PauseStats p) {
        node.put("count", p.count());
        node.put("max", p.max());
        node.put("p50", p.p50());
        node.put("p99", p.p99());
        node.put("totalNanos", p.totalNanos());
        p.log2Histogram().forEach(node.putArray("log2Histogram")::add);
    }

    static Optional<GilStats> read(JsonNode scope) {
        JsonNode g = scope.path("gil");
        if (!g.isObject()) {
            return Optional.empty();
        }
        return Optional.of(new GilStats(readWaits(g.path("waits")), readWaits(g.path("contended"))));
    }

    private static PauseStats readWaits(JsonNode p) {
        List<Long> histogram = new ArrayList<>();
        p.path("log2Histogram").forEach(n -> histogram.add(n.asLong()));
        return new PauseStats(p.path("count").asLong(), p.path("max").asLong(), p.path("p50").asLong(),
                p.path("p99").asLong(), p.path("totalNanos").asLong(), histogram);
    }
}

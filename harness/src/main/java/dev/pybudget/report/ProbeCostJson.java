package dev.pybudget.report;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pybudget.recording.ProbeCost;
import dev.pybudget.recording.ProbeRates;
import java.util.Optional;

/**
 * The JSON of {@link ProbeCost} (schema 1, added): per section {@code "probeCost": {"hits": N, "hitsByKind": {...},
 * "cpuNanos": X or null, "wallNanos": W, "percentOfWall": P or null, "atLeast": bool, "notCalibrated": [...],
 * "sentence": "probes: ..."}}, and at the top {@code "probeRates": {"machine", "nanosPerHit": {...}, "how"}} or null.
 */
final class ProbeCostJson {
    private ProbeCostJson() {}

    static void put(ObjectNode section, ProbeCost cost) {
        ObjectNode node = section.putObject("probeCost");
        node.put("hits", cost.totalHits());
        ObjectNode byKind = node.putObject("hitsByKind");
        cost.hits().forEach(byKind::put);
        if (cost.nanos().isPresent()) {
            node.put("cpuNanos", Math.round(cost.nanos().getAsDouble()));
        } else {
            node.putNull("cpuNanos");
        }
        node.put("wallNanos", cost.wallNanos());
        if (cost.percentOfWall().isPresent()) {
            node.put("percentOfWall", cost.percentOfWall().getAsDouble());
        } else {
            node.putNull("percentOfWall");
        }
        node.put("atLeast", cost.callsUncounted());
        cost.notCalibrated().forEach(node.putArray("notCalibrated")::add);
        node.put("sentence", cost.describe(section.has("name") ? "window" : "run"));
    }

    static void putRates(ObjectNode root, Optional<ProbeRates> rates) {
        if (rates.isEmpty()) {
            root.putNull("probeRates");
            return;
        }
        ObjectNode node = root.putObject("probeRates");
        node.put("machine", rates.get().machine());
        ObjectNode perHit = node.putObject("nanosPerHit");
        rates.get().nanosPerHit().forEach(perHit::put);
        node.put("how", rates.get().how());
    }
}

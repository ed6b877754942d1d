package dev.pybudget.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pybudget.recording.KernelStats;
import dev.pybudget.recording.SyscallCount;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The "kernel" section of a scope in the JSON report (null when the kernel context was not recorded). */
final class KernelJson {
    private KernelJson() {}

    static void put(ObjectNode scope, Optional<KernelStats> stats) {
        if (stats.isEmpty()) {
            scope.putNull("kernel");
            return;
        }
        KernelStats k = stats.get();
        ObjectNode node = scope.putObject("kernel");
        node.put("offCpuNanos", k.offCpuNanos());
        node.put("offCpuRunnableNanos", k.offCpuRunnableNanos());
        node.put("offCpuBlockedNanos", k.offCpuBlockedNanos());
        node.put("offCpuIntervals", k.offCpuIntervals());
        node.put("voluntarySwitches", k.voluntarySwitches());
        node.put("involuntarySwitches", k.involuntarySwitches());
        node.put("minorFaults", k.minorFaults());
        node.put("majorFaults", k.majorFaults());
        node.put("syscalls", k.syscalls());
        node.put("unnamedSyscalls", k.unnamedSyscalls());
        node.put("offCpuUnmatched", k.offCpuUnmatched());
        ArrayNode byName = node.putArray("syscallsByName");
        k.syscallsByName().forEach(s -> byName.addObject().put("name", s.name()).put("count", s.count()));
    }

    static Optional<KernelStats> read(JsonNode scope) {
        JsonNode k = scope.path("kernel");
        if (!k.isObject()) {
            return Optional.empty();
        }
        List<SyscallCount> byName = new ArrayList<>();
        k.path("syscallsByName").forEach(s -> byName.add(new SyscallCount(s.path("name").asText(), s.path("count").asLong())));
        return Optional.of(new KernelStats(k.path("offCpuRunnableNanos").asLong(), k.path("offCpuBlockedNanos").asLong(),
                k.path("offCpuIntervals").asLong(), k.path("voluntarySwitches").asLong(), k.path("involuntarySwitches").asLong(),
                k.path("minorFaults").asLong(), k.path("majorFaults").asLong(), k.path("syscalls").asLong(),
                k.path("unnamedSyscalls").asLong(), byName, k.path("offCpuUnmatched").asLong()));
    }
}

package dev.pybudget.engine;

import dev.pybudget.elf.PythonBinary;
import dev.pybudget.recording.CallCount;
import dev.pybudget.recording.GcStats;
import dev.pybudget.recording.Loss;
import dev.pybudget.recording.Losses;
import dev.pybudget.recording.PauseStats;
import dev.pybudget.recording.Sections;
import dev.pybudget.recording.Window;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A snapshot's sections with the calls the workload counted in process instead of the kernel's
 * (none: the call probe is not attached then). Windows are matched by name: the module numbers its
 * Python windows itself, and counts Java windows under the slots the engine gave them.
 */
record InProcessReading(InProcessCalls.Reading reading, Sections whole, List<Window> windows, Losses losses,
                        Optional<String> trouble) {

    static InProcessReading of(InProcessCalls.Reading reading, Sections kernelWhole, List<Window> kernelWindows,
                               Map<String, Integer> javaSlots, Losses kernelLosses, boolean auditAttached,
                               PythonBinary python, boolean exited) {
        Optional<String> trouble = Optional.empty();
        if (!reading.started()) {
            trouble = Optional.of("The in-process call counter " + (exited ? "never ran in" : "has not started in")
                    + " the workload (" + python.executable() + "): python -E, -I and -S skip the PYTHONPATH entry or the"
                    + " site module it is injected with, so calls were not counted.");
        } else if (reading.failure().isPresent()) {
            trouble = Optional.of("The in-process call counter could not count calls in the workload ("
                    + python.executable() + "): " + reading.failure().get() + ".");
        }
        Map<String, Set<Integer>> slotsByName = new LinkedHashMap<>();
        reading.pythonWindows().entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> slotsByName.computeIfAbsent(e.getValue(), n -> new LinkedHashSet<>()).add(e.getKey()));
        javaSlots.forEach((name, slot) -> slotsByName.computeIfAbsent(name, n -> new LinkedHashSet<>()).add(slot));

        Sections whole = withCalls(kernelWhole, calls(reading, Set.of(0)));
        List<Window> windows = new ArrayList<>();
        Set<String> named = new LinkedHashSet<>();
        for (Window w : kernelWindows) {
            named.add(w.name());
            windows.add(new Window(w.name(), withCalls(w.sections(), calls(reading, slotsByName.getOrDefault(w.name(), Set.of()))),
                    w.unfollowedEnds(), w.spans()));
        }
        // Windows the kernel did not see (a CPython without the audit marker): calls only, the rest empty.
        slotsByName.forEach((name, slots) -> {
            if (!named.contains(name)) {
                windows.add(new Window(name, new Sections(noCollections(), 0, List.of(), calls(reading, slots), List.of(), List.of())));
            }
        });
        // Window marks the module could not follow count only where the kernel did not follow the marks itself.
        Losses losses = kernelLosses.with(Loss.CALLS, kernelLosses.get(Loss.CALLS) + reading.lostCalls())
                .with(Loss.WINDOW_UNBALANCED, kernelLosses.get(Loss.WINDOW_UNBALANCED) + (auditAttached ? 0 : reading.lostMarks()));
        return new InProcessReading(reading, whole, windows, losses, trouble);
    }

    List<String> probes(List<String> attached) {
        List<String> probes = new ArrayList<>(attached);
        if (trouble.isEmpty()) {
            probes.add(InProcessCalls.PROBE);
        }
        return probes;
    }

    List<String> missingProbes(List<String> missing) {
        List<String> all = new ArrayList<>(missing);
        if (trouble.isPresent()) {
            all.add(InProcessCalls.PROBE);
        }
        return all;
    }

    Optional<String> missingProbesReason(Optional<String> kernelReason) {
        if (trouble.isEmpty()) {
            return kernelReason;
        }
        return Optional.of(kernelReason.map(r -> r + " ").orElse("") + trouble.get());
    }

    private static List<CallCount> calls(InProcessCalls.Reading reading, Set<Integer> slots) {
        Map<List<String>, Long> sum = new LinkedHashMap<>();
        for (int slot : slots) {
            reading.calls().getOrDefault(slot, List.of())
                    .forEach(c -> sum.merge(List.of(c.file(), c.function()), c.count(), Long::sum));
        }
        List<CallCount> calls = new ArrayList<>();
        sum.forEach((key, n) -> calls.add(new CallCount(key.get(0), key.get(1), n)));
        calls.sort(Comparator.comparing(CallCount::count).reversed().thenComparing(CallCount::file)
                .thenComparing(CallCount::function));
        return calls;
    }

    private static Sections withCalls(Sections s, List<CallCount> calls) {
        return new Sections(s.gc(), s.importCount(), s.imports(), calls, s.audit(), s.auditEvents(), s.families());
    }

    private static GcStats noCollections() {
        return new GcStats(List.of(0L, 0L, 0L), 0, PauseStats.fromHistogram(0, 0,
                Collections.nCopies(Layout.HIST_BUCKETS, 0L)));
    }
}

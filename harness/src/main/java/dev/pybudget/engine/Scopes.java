package dev.pybudget.engine;

import dev.pybudget.recording.AuditCount;
import dev.pybudget.recording.AuditEvent;
import dev.pybudget.recording.CallCount;
import dev.pybudget.recording.GcStats;
import dev.pybudget.recording.PauseStats;
import dev.pybudget.recording.Section;
import dev.pybudget.recording.Sections;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Turns the counters and events of one or more scope slots into the {@link Sections} of a scope. */
final class Scopes {
    private Scopes() {}

    /** One reading of every recorded family's maps: each family's section per scope slot. */
    static final class FamilyReadings {
        private final Map<ProbeFamily<?>, Map<Integer, ? extends Section<?>>> bySlot;

        private FamilyReadings(Map<ProbeFamily<?>, Map<Integer, ? extends Section<?>>> bySlot) {
            this.bySlot = bySlot;
        }

        static FamilyReadings read(BpfObjects bpf, Collection<Integer> slots) {
            Map<ProbeFamily<?>, Map<Integer, ? extends Section<?>>> read = new LinkedHashMap<>();
            for (ProbeFamily<?> family : ProbeFamily.all()) {
                if (bpf.has(family.concern())) {
                    family.read(bpf, slots).ifPresent(sections -> read.put(family, sections));
                }
            }
            return new FamilyReadings(read);
        }

        /** Each family's section of the scope made of {@code slots}, by family name. */
        Map<String, Section<?>> of(Set<Integer> slots) {
            Map<String, Section<?>> sections = new LinkedHashMap<>();
            bySlot.forEach((family, read) -> sections.put(family.name(), sum(family, read, slots)));
            return sections;
        }

        @SuppressWarnings("unchecked")
        private static <S extends Section<S>> S sum(ProbeFamily<S> family, Map<Integer, ? extends Section<?>> read,
                                                    Set<Integer> slots) {
            return family.of((Map<Integer, S>) read, slots);
        }
    }

    static Sections sections(Set<Integer> slots, KernelCounters counters, FamilyReadings families, ImportTrees trees,
                             List<StreamEvent> events, long originNanos) {
        GcStats gc = null;
        long importCount = 0;
        Map<String, Long> audit = new LinkedHashMap<>();
        Map<List<String>, Long> calls = new LinkedHashMap<>();
        for (int slot : slots) {
            GcStats g = counters.gc().get(slot);
            gc = gc == null ? g : add(gc, g);
            importCount += counters.imports().getOrDefault(slot, 0L);
            counters.audit().getOrDefault(slot, List.of()).forEach(a -> audit.merge(a.event(), a.count(), Long::sum));
            counters.calls().getOrDefault(slot, List.of())
                    .forEach(c -> calls.merge(List.of(c.file(), c.function()), c.count(), Long::sum));
        }
        List<AuditCount> auditCounts = new ArrayList<>();
        audit.forEach((event, n) -> auditCounts.add(new AuditCount(event, n)));
        auditCounts.sort(Comparator.comparing(AuditCount::count).reversed().thenComparing(AuditCount::event));
        List<CallCount> callCounts = new ArrayList<>();
        calls.forEach((key, n) -> callCounts.add(new CallCount(key.get(0), key.get(1), n)));
        callCounts.sort(Comparator.comparing(CallCount::count).reversed().thenComparing(CallCount::file)
                .thenComparing(CallCount::function));
        List<AuditEvent> auditEvents = new ArrayList<>();
        for (StreamEvent e : events) {
            if (e.kind() == Layout.EV_AUDIT && e.inAny(slots)) {
                auditEvents.add(new AuditEvent(e.name(), e.tsNanos() - originNanos, e.tid()));
            }
        }
        return new Sections(gc, importCount, slots.contains(0) ? trees.all() : trees.in(slots), callCounts, auditCounts,
                auditEvents, families.of(slots));
    }

    /** Two slots with one name (a window opened both from Python and from Java) add up. */
    private static GcStats add(GcStats a, GcStats b) {
        List<Long> histogram = new ArrayList<>();
        for (int i = 0; i < a.pauseNanos().log2Histogram().size(); i++) {
            histogram.add(a.pauseNanos().log2Histogram().get(i) + b.pauseNanos().log2Histogram().get(i));
        }
        return new GcStats(List.of(a.collections(0) + b.collections(0), a.collections(1) + b.collections(1),
                a.collections(2) + b.collections(2)), a.collected() + b.collected(),
                PauseStats.fromHistogram(Math.max(a.pauseNanos().max(), b.pauseNanos().max()),
                        a.pauseNanos().totalNanos() + b.pauseNanos().totalNanos(), histogram));
    }
}

package dev.pybudget.engine;

import dev.pybudget.recording.Section;
import dev.pybudget.recording.Sections;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * One reading of every loaded family's maps, each family's section per scope slot, turned into the
 * {@link Sections} of a scope (one or more slots: a window name opened from Python and from Java has two).
 */
final class Scopes {
    private final Map<ProbeFamily<?>, Map<Integer, ? extends Section<?>>> bySlot;

    private Scopes(Map<ProbeFamily<?>, Map<Integer, ? extends Section<?>>> bySlot) {
        this.bySlot = bySlot;
    }

    /** Reads the maps; before the stream is drained, so that the stream holds every event the counts include. */
    static Scopes read(BpfObjects bpf, Collection<Integer> slots) {
        Map<ProbeFamily<?>, Map<Integer, ? extends Section<?>>> read = new LinkedHashMap<>();
        for (ProbeFamily<?> family : ProbeFamily.all()) {
            if (family.loaded(bpf)) {
                family.read(bpf, slots).ifPresent(sections -> read.put(family, sections));
            }
        }
        return new Scopes(read);
    }

    /** The sections of the scope made of {@code slots}, with what the stream held at the same snapshot. */
    Sections sections(Set<Integer> slots, ProbeFamily.Streamed stream) {
        Map<String, Section<?>> sections = new LinkedHashMap<>();
        bySlot.forEach((family, read) -> sections.put(family.name(), scope(family, read, slots, stream)));
        return new Sections(sections);
    }

    /** Unchecked, but safe: {@link ProbeFamily#read} of a family returns its own section type. */
    @SuppressWarnings("unchecked")
    private static <S extends Section<S>> S scope(ProbeFamily<S> family, Map<Integer, ? extends Section<?>> read,
                                                  Set<Integer> slots, ProbeFamily.Streamed stream) {
        return family.scope((Map<Integer, S>) read, slots, stream);
    }
}

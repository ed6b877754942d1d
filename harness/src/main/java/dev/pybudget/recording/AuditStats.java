package dev.pybudget.recording;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The audit family's part of a scope.
 *
 * @param counts how often each event fired, most first, counted exactly in the kernel
 * @param events the events one by one from the stream (only when the recording asked for it); complete only when
 *               no event was lost
 */
public record AuditStats(List<AuditCount> counts, List<AuditEvent> events) implements Section<AuditStats> {

    /** The audit family's name, its key in {@link Sections#families()}. */
    public static final String FAMILY = "audit";

    public static final AuditStats NOTHING = new AuditStats(List.of(), List.of());

    public AuditStats {
        counts = List.copyOf(counts);
        events = List.copyOf(events);
    }

    @Override
    public boolean isEmpty() {
        return counts.isEmpty();
    }

    @Override
    public AuditStats plus(AuditStats other) {
        List<AuditEvent> both = new ArrayList<>(events);
        both.addAll(other.events);
        return new AuditStats(combine(other, 1), both);
    }

    @Override
    public AuditStats minus(AuditStats earlier) {
        return minus(earlier, Long.MIN_VALUE);
    }

    /** The events that fired since {@code earlier}, and the streamed ones at or after {@code sinceNanos}. */
    @Override
    public AuditStats minus(AuditStats earlier, long sinceNanos) {
        return new AuditStats(combine(earlier, -1), events.stream().filter(e -> e.nanos() >= sinceNanos).toList());
    }

    private List<AuditCount> combine(AuditStats other, int sign) {
        return sorted(NamedCounts.combine(counts, other.counts, sign, AuditCount::event, AuditCount::count,
                (a, n) -> new AuditCount(a.event(), n)));
    }

    /** Most fired first, then by name. */
    public static List<AuditCount> sorted(List<AuditCount> counts) {
        List<AuditCount> copy = new ArrayList<>(counts);
        copy.sort(Comparator.comparing(AuditCount::count).reversed().thenComparing(AuditCount::event));
        return List.copyOf(copy);
    }
}

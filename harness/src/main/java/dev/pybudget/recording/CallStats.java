package dev.pybudget.recording;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** The calls family's part of a scope: calls per function of the pattern, most first, counted exactly. */
public record CallStats(List<CallCount> counts) implements Section<CallStats> {

    /** The calls family's name, its key in {@link Sections#families()}. */
    public static final String FAMILY = "calls";

    public static final CallStats NOTHING = new CallStats(List.of());

    public CallStats {
        counts = List.copyOf(counts);
    }

    @Override
    public boolean isEmpty() {
        return counts.isEmpty();
    }

    @Override
    public CallStats plus(CallStats other) {
        return combine(other, 1);
    }

    /** Functions called since {@code earlier}, with how many more calls. */
    @Override
    public CallStats minus(CallStats earlier) {
        return combine(earlier, -1);
    }

    private CallStats combine(CallStats other, int sign) {
        return new CallStats(sorted(NamedCounts.combine(counts, other.counts, sign, CallCount::qualifiedName,
                CallCount::count, (c, n) -> new CallCount(c.file(), c.function(), n))));
    }

    /** Most called first, then by file and function. */
    public static List<CallCount> sorted(List<CallCount> counts) {
        List<CallCount> copy = new ArrayList<>(counts);
        copy.sort(Comparator.comparing(CallCount::count).reversed().thenComparing(CallCount::file)
                .thenComparing(CallCount::function));
        return List.copyOf(copy);
    }
}

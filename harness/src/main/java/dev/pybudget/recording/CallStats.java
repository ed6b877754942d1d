package dev.pybudget.recording;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
        Map<List<String>, Long> sum = new LinkedHashMap<>();
        counts.forEach(c -> sum.merge(List.of(c.file(), c.function()), c.count(), Long::sum));
        other.counts.forEach(c -> sum.merge(List.of(c.file(), c.function()), sign * c.count(), Long::sum));
        List<CallCount> out = new ArrayList<>();
        sum.forEach((key, n) -> {
            if (n > 0) {
                out.add(new CallCount(key.get(0), key.get(1), n));
            }
        });
        return new CallStats(sorted(out));
    }

    /** Most called first, then by file and function. */
    public static List<CallCount> sorted(List<CallCount> counts) {
        List<CallCount> copy = new ArrayList<>(counts);
        copy.sort(Comparator.comparing(CallCount::count).reversed().thenComparing(CallCount::file)
                .thenComparing(CallCount::function));
        return List.copyOf(copy);
    }
}

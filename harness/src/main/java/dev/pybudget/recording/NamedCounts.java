package dev.pybudget.recording;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/** Counts by name, added or subtracted: what calls per function, audit events and syscalls by name share. */
final class NamedCounts {
    private NamedCounts() {}

    /**
     * {@code a} plus ({@code sign} 1) or minus (-1) {@code b}, name by name, in first-seen order; a name whose count
     * comes to 0 is left out (a function not called since an earlier reading).
     *
     * @param withCount the entry of that name with this count
     */
    static <T> List<T> combine(List<T> a, List<T> b, int sign, Function<T, ?> name, ToLongFunction<T> count,
                               BiFunction<T, Long, T> withCount) {
        Map<Object, T> first = new LinkedHashMap<>();
        Map<Object, Long> sum = new LinkedHashMap<>();
        a.forEach(t -> add(t, 1, name, count, first, sum));
        b.forEach(t -> add(t, sign, name, count, first, sum));
        List<T> out = new ArrayList<>();
        sum.forEach((key, n) -> {
            if (n != 0) {
                out.add(withCount.apply(first.get(key), n));
            }
        });
        return out;
    }

    private static <T> void add(T t, int sign, Function<T, ?> name, ToLongFunction<T> count, Map<Object, T> first,
                                Map<Object, Long> sum) {
        Object key = name.apply(t);
        first.putIfAbsent(key, t);
        sum.merge(key, sign * count.applyAsLong(t), Long::sum);
    }
}

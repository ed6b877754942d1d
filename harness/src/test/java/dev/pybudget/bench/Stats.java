package dev.pybudget.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Repetitions of one measurement: median and spread (min–max). */
record Stats(List<Double> values) {

    static Stats of(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return new Stats(List.copyOf(sorted));
    }

    boolean isEmpty() {
        return values.isEmpty();
    }

    double median() {
        int n = values.size();
        return n % 2 == 1 ? values.get(n / 2) : (values.get(n / 2 - 1) + values.get(n / 2)) / 2;
    }

    double min() {
        return values.get(0);
    }

    double max() {
        return values.get(values.size() - 1);
    }

    /** Per repetition a / b, for measurements paired by repetition. */
    static Stats ratio(List<Double> a, List<Double> b) {
        List<Double> r = new ArrayList<>();
        for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
            r.add(a.get(i) / b.get(i));
        }
        return of(r);
    }
}

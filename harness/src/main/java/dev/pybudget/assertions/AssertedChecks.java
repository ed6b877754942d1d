package dev.pybudget.assertions;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Every check a pybudget assertion makes, passed or not, told to the listeners: the JUnit
 * extension listens, so that the run's summary lists assertions as well as annotations.
 */
public final class AssertedChecks {
    private AssertedChecks() {}

    private static final List<Consumer<BudgetCheck>> LISTENERS = new CopyOnWriteArrayList<>();

    /** Adds {@code listener} once (adding the same one again does nothing); it is called on the asserting thread. */
    public static void addListener(Consumer<BudgetCheck> listener) {
        ((CopyOnWriteArrayList<Consumer<BudgetCheck>>) LISTENERS).addIfAbsent(listener);
    }

    static void checked(BudgetCheck check) {
        LISTENERS.forEach(listener -> listener.accept(check));
    }
}

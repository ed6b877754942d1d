package dev.pybudget.engine;

import dev.pybudget.recording.Recording;
import java.util.function.Function;
import java.util.function.Supplier;

/** record(name, work), for every kind of traced workload: a window around the work, and what happened while it ran. */
final class WindowedRun {
    private WindowedRun() {}

    static Recording record(Supplier<Recording> snapshot, Function<String, ? extends WindowHandle> open, String name,
                            Runnable work) {
        Recording before = snapshot.get();
        try (WindowHandle ignored = open.apply(name)) {
            work.run();
        }
        return snapshot.get().since(before);
    }
}

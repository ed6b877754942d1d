package dev.pybudget.engine;

import dev.pybudget.recording.GcStats;
import dev.pybudget.recording.PauseStats;
import dev.pybudget.recording.Recording;
import dev.pybudget.recording.Sections;
import dev.pybudget.recording.Window;
import dev.pybudget.recording.WindowSpan;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

/** record(name, work), for every kind of traced workload: a window around the work, and what happened while it ran. */
public final class WindowedRun {
    private WindowedRun() {}

    static Recording record(Supplier<Recording> snapshot, Function<String, ? extends WindowHandle> open, String name,
                            Runnable work) {
        Recording before = snapshot.get();
        try (WindowHandle ignored = open.apply(name)) {
            work.run();
        }
        return between(before, snapshot.get(), name);
    }

    /**
     * What happened between two recordings of one trace, {@code before} taken just before the window {@code name}
     * opened and {@code after} just after it closed: for a workload that takes them with the window's open and
     * close (a container's agent does, in one round trip each).
     */
    public static Recording between(Recording before, Recording after, String name) {
        Recording during = after.since(before);
        // since() leaves out a window that existed before and did nothing in between; this one was open
        // throughout, so it is there, empty, when the process did nothing (a repeated name on an idle workload).
        return during.window(name).isPresent() ? during : withEmptyWindow(during, name, after.window(name)
                .map(w -> w.spans().stream().filter(s -> s.endNanos() >= before.wallNanos()).toList()).orElse(List.of()));
    }

    private static Recording withEmptyWindow(Recording r, String name, List<WindowSpan> spans) {
        List<Long> noPauses = Collections.nCopies(r.whole().gc().pauseNanos().log2Histogram().size(), 0L);
        Sections nothing = new Sections(new GcStats(List.of(0L, 0L, 0L), 0, PauseStats.fromHistogram(0, 0, noPauses)), 0,
                List.of(), List.of(), List.of(), List.of());
        List<Window> windows = new ArrayList<>(r.windows());
        windows.add(new Window(name, nothing, 0, spans));
        return new Recording(r.python(), r.probes(), r.missingProbes(), r.wallNanos(), r.whole(), r.lostEvents(), r.losses(),
                windows, r.exitStatus(), r.callPattern(), r.missingProbesReason());
    }
}

package dev.pybudget.engine;

import dev.pybudget.recording.GcStats;
import dev.pybudget.recording.PauseStats;
import dev.pybudget.recording.Recording;
import dev.pybudget.recording.Sections;
import dev.pybudget.recording.Window;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A CPython workload running with the probes attached: on this host ({@link LocalWorkload}) or in
 * a container ({@code PythonWorkloadContainer}). What a test needs from either.
 */
public interface TracedWorkload {

    /** Starts the workload with the probes attached before its first bytecode; no-op when started. */
    void start();

    /** Stops the workload and frees everything; no-op when stopped. */
    void stop();

    /** What the workload did from its start until now (every event up to now is drained first). */
    Recording snapshot();

    /** Opens a window that holds everything the process does until it is closed. */
    WindowHandle openWindow(String name);

    /** Waits until the workload exits by itself, up to {@code timeout}, then returns the final recording. */
    Recording awaitExit(Duration timeout);

    /**
     * Runs {@code work} (which drives the workload, e.g. sends it a request) inside the window
     * {@code name}, and returns what happened in the process while it ran, that window included.
     */
    default Recording record(String name, Runnable work) {
        Recording before = snapshot();
        try (WindowHandle ignored = openWindow(name)) {
            work.run();
        }
        Recording during = snapshot().since(before);
        // since() leaves out a window that existed before and did nothing in between; this one was open
        // throughout, so it is there, empty, when the process did nothing (a repeated name on an idle workload).
        return during.window(name).isPresent() ? during : withEmptyWindow(during, name);
    }

    private static Recording withEmptyWindow(Recording r, String name) {
        List<Long> noPauses = Collections.nCopies(r.whole().gc().pauseNanos().log2Histogram().size(), 0L);
        Sections nothing = new Sections(new GcStats(List.of(0L, 0L, 0L), 0, PauseStats.fromHistogram(0, 0, noPauses)), 0,
                List.of(), List.of(), List.of(), List.of());
        List<Window> windows = new ArrayList<>(r.windows());
        windows.add(new Window(name, nothing));
        return new Recording(r.python(), r.probes(), r.missingProbes(), r.wallNanos(), r.whole(), r.lostEvents(), r.losses(),
                windows, r.exitStatus(), r.missingProbesReason());
    }
}

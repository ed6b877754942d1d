package dev.pybudget.engine;

import dev.pybudget.recording.Recording;
import java.time.Duration;

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
     * True once {@link #awaitExit} has returned: whoever called it waited for the workload to end, so
     * its end is expected. (The JUnit extension fails a test during which the workload died otherwise.)
     */
    default boolean exitAwaited() {
        return false;
    }

    /**
     * Runs {@code work} (which drives the workload, e.g. sends it a request) inside the window
     * {@code name}, and returns what happened in the process while it ran, that window included.
     */
    default Recording record(String name, Runnable work) {
        return WindowedRun.record(this::snapshot, this::openWindow, name, work);
    }
}

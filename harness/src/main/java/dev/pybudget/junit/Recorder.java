package dev.pybudget.junit;

import dev.pybudget.engine.TracedWorkload;
import dev.pybudget.engine.WindowHandle;
import dev.pybudget.recording.Recording;

/**
 * What a test uses to record: a parameter of a {@link PythonPerfTest} test method.
 * With several {@link Workload} fields, pick one with {@link #of(TracedWorkload)}.
 */
public interface Recorder {

    /** Work that drives the workload, e.g. an HTTP request to it; may throw. */
    @FunctionalInterface
    interface Work {
        void run() throws Exception;
    }

    /**
     * Runs {@code work} inside the window {@code name} and returns what the process did while it ran
     * (this run only, even if the name was used before), that window included.
     */
    Recording record(String name, Work work);

    /** Opens a window that holds everything the process does until it is closed. */
    WindowHandle open(String name);

    /** What the workload did since this test started. */
    Recording sinceTestStart();

    /** The recorder of one workload, when the test has several. */
    Recorder of(TracedWorkload workload);
}

package dev.pybudget.recording;

import java.util.OptionalLong;

/**
 * The interpreter that was traced.
 *
 * @param attachedAfterNanos empty when the probes were attached before the first bytecode (the workload was
 *                           started gated); else how long the process had run when they were attached (an
 *                           attach to a running process): what it did before that is not in the recording
 */
public record PythonInfo(String executable, String version, long pid, OptionalLong attachedAfterNanos) {

    /** Traced from its first bytecode. */
    public PythonInfo(String executable, String version, long pid) {
        this(executable, version, pid, OptionalLong.empty());
    }
}

package dev.pybudget.cli;

import dev.pybudget.container.PythonProbes;
import dev.pybudget.engine.TraceException;
import dev.pybudget.engine.TraceOptions;
import dev.pybudget.recording.Recording;
import java.time.Duration;

/**
 * {@code trace --attach CONTAINER}: the probes on the CPython that already runs in a container (its first
 * CPython process), from now until that container stops or the command line is asked to stop (a signal,
 * --timeout). Stopping detaches: the container runs on, untraced.
 */
final class AttachTrace {
    private AttachTrace() {}

    /** How often the command line looks whether the container still runs or a stop was asked for. */
    private static final Duration LOOK_EVERY = Duration.ofMillis(200);

    static Recording run(String container, TraceOptions options, StopRequests stops) {
        ContainerTrace.requireDocker("--attach");
        PythonProbes probes;
        try {
            probes = PythonProbes.attachToContainer(container, options.callPattern());
        } catch (RuntimeException e) {
            throw new TraceException(e.getMessage(), e); // our own sentence: no container, not running, agent refused
        }
        try (probes) {
            Recording last = probes.snapshot();
            while (probes.isTargetRunning() && stops.stop().isEmpty()) {
                last = probes.awaitExit(LOOK_EVERY);
            }
            return probes.isTargetRunning() ? probes.snapshot() : last;
        }
    }
}

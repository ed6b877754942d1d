package dev.pybudget.support;

import static org.assertj.core.api.Assertions.fail;

import dev.pybudget.recording.Recording;
import dev.pybudget.recording.Sections;
import dev.pybudget.recording.Window;

/**
 * One traced run of a workload and what its oracle wrote in the same process, with what the workload printed
 * (in a container both streams are mixed in the container's log: {@code stdout} holds them, {@code stderr} is empty).
 */
public record OracleRun(Recording recording, Oracle oracle, String stdout, String stderr) {

    /** The recorded sections of a window; fails, naming the windows there are, when it is missing. */
    public Sections window(String name) {
        return recording.window(name).map(Window::sections).orElseGet(() -> fail("the recording has no window '" + name
                + "'; it has " + recording.windows().stream().map(Window::name).toList()));
    }
}

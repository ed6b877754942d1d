package dev.pybudget.engine;

import dev.pybudget.recording.Recording;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A workload traced on this host, no container: needs root (or CAP_SYS_ADMIN) on Linux and a
 * CPython with USDT markers, such as Debian's /usr/bin/python3.11. Settings are fluent and
 * apply at {@link #start()}.
 */
public class LocalWorkload implements TracedWorkload, AutoCloseable {

    private final List<String> command = new ArrayList<>();
    private final Map<String, String> environment = new LinkedHashMap<>();
    private Path directory = Path.of("").toAbsolutePath();
    private TraceOptions options = TraceOptions.defaults();
    private ProcessBuilder.Redirect output = ProcessBuilder.Redirect.INHERIT;
    private Readiness readiness = Readiness.immediately();
    private Duration startupTimeout = Duration.ofSeconds(60);
    private Trace trace;
    private Recording last;
    private volatile boolean exitAwaited;

    /** {@code new LocalWorkload("/usr/bin/python3.11", "app.py")} */
    public LocalWorkload(String... command) {
        this.command.addAll(List.of(command));
    }

    public LocalWorkload withDirectory(Path dir) {
        this.directory = dir.toAbsolutePath();
        return this;
    }

    public LocalWorkload withEnv(String name, String value) {
        environment.put(name, value);
        return this;
    }

    /**
     * Also records the optional probe family {@code name} ("kernel", "gil": {@link ProbeFamily#optionalNames()}).
     *
     * @throws IllegalArgumentException for any other name, in one sentence naming the optional families
     */
    public LocalWorkload withFamily(String name) {
        this.options = options.withFamily(name);
        return this;
    }

    /** Also records the kernel's side of each scope: off-CPU time, context switches, page faults, syscalls ({@code withFamily("kernel")}). */
    public LocalWorkload withKernelContext(boolean record) {
        this.options = options.withKernelContext(record);
        return this;
    }

    /** Also records the waits for the GIL of each scope (take_gil found by symbol; see docs/writing-tests.md; {@code withFamily("gil")}). */
    public LocalWorkload withGilWaits(boolean record) {
        this.options = options.withGilWaits(record);
        return this;
    }

    public LocalWorkload withOptions(TraceOptions traceOptions) {
        this.options = traceOptions;
        return this;
    }

    public LocalWorkload withCallPattern(String pattern) {
        this.options = options.withCallPattern(pattern);
        return this;
    }

    /** How calls are counted: in the kernel, inside the workload, or (AUTO, the default) the cheaper way. */
    public LocalWorkload withCallCounting(CallCounting how) {
        this.options = options.withCallCounting(how);
        return this;
    }

    /** Where the workload's stdout and stderr go (default: this process's). */
    public LocalWorkload withOutput(ProcessBuilder.Redirect redirect) {
        this.output = redirect;
        return this;
    }

    /** start() returns when the workload is ready (e.g. {@link Readiness#listeningOn(int)}), or fails after the timeout. */
    public LocalWorkload waitingFor(Readiness ready, Duration timeout) {
        this.readiness = ready;
        this.startupTimeout = timeout;
        return this;
    }

    @Override
    public synchronized void start() {
        if (trace != null) {
            return;
        }
        ProcessBuilder builder = new ProcessBuilder(command).directory(directory.toFile())
                .redirectOutput(output).redirectError(output == ProcessBuilder.Redirect.INHERIT ? output
                        : ProcessBuilder.Redirect.appendTo(output.file()));
        builder.environment().putAll(environment);
        trace = Tracer.start(builder, options);
        awaitReadiness();
    }

    private void awaitReadiness() {
        long deadline = System.nanoTime() + startupTimeout.toNanos();
        while (!readiness.isReady()) {
            if (!trace.isRunning()) {
                last = trace.finish();
                throw new TraceException("The workload " + command + " exited with status "
                        + last.exitStatus().orElse(-1) + " before it was ready.");
            }
            if (System.nanoTime() > deadline) {
                stop();
                throw new TraceException("The workload " + command + " was not ready within " + startupTimeout.toSeconds()
                        + " s, so it was stopped.");
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                stop();
                throw new TraceException("Interrupted while waiting for the workload to be ready.", e);
            }
        }
    }

    public synchronized long pid() {
        return running().pid();
    }

    @Override
    public synchronized Recording snapshot() {
        return last != null ? last : running().snapshot();
    }

    @Override
    public synchronized WindowHandle openWindow(String name) {
        return running().openWindow(name);
    }

    @Override
    public Recording awaitExit(Duration timeout) {
        Trace t;
        synchronized (this) {
            if (last != null) {
                exitAwaited = true;
                return last;
            }
            t = running();
        }
        Recording finished = t.finish(timeout);
        synchronized (this) {
            last = finished;
        }
        exitAwaited = true;
        return finished;
    }

    @Override
    public boolean exitAwaited() {
        return exitAwaited;
    }

    @Override
    public synchronized void stop() {
        if (trace != null) {
            trace.close();
            if (last == null) {
                last = trace.snapshot();
            }
        }
    }

    @Override
    public void close() {
        stop();
    }

    private Trace running() {
        if (trace == null) {
            throw new IllegalStateException("The workload has not been started: call start() first"
                    + " (the @Workload extension does it for you).");
        }
        return trace;
    }
}

package dev.pybudget.cli;

import dev.pybudget.cli.Arguments.UsageException;
import dev.pybudget.engine.CallCounting;
import dev.pybudget.engine.ProbeCalibration;
import dev.pybudget.engine.Trace;
import dev.pybudget.engine.TraceException;
import dev.pybudget.engine.TraceOptions;
import dev.pybudget.engine.Tracer;
import dev.pybudget.recording.Recording;
import dev.pybudget.report.JsonReport;
import dev.pybudget.report.TextReport;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * {@code pybudget trace [--json FILE] [--calls PATTERN] [--calls-by usdt|monitoring] [--family NAME]... [--timeout DURATION] [--container IMAGE
 * [--publish HOST:CONTAINER]...] -- PYTHON SCRIPT [ARGS]}: runs the script with probes attached (on this
 * host, or in a container of IMAGE with the current directory copied in as its working directory),
 * prints the report and writes the JSON. Exits with the workload's status; 124 when --timeout stopped
 * it, 128+N when signal N stopped the command line (it stops the workload first, and still reports);
 * 2 with one sentence on stderr when it cannot trace.
 */
final class TraceCommand {

    static final List<Arguments.Option> OPTIONS = List.of(Arguments.HELP, Arguments.VERSION,
            Arguments.Option.value("--json", "FILE"),
            Arguments.Option.value("--calls", "PATTERN"),
            Arguments.Option.value("--calls-by", "usdt|monitoring"),
            new Arguments.Option("--family", null, "NAME", true),
            Arguments.Option.flag("--kernel"),
            Arguments.Option.flag("--gil"),
            Arguments.Option.value("--timeout", "DURATION"),
            Arguments.Option.value("--container", "IMAGE"),
            Arguments.Option.value("--attach", "CONTAINER"),
            new Arguments.Option("--publish", "-p", "HOST:CONTAINER", true));

    /** {@code pybudget trace --help}, laid out as picocli laid it out. */
    static final String HELP = """
            Usage: pybudget trace [-h] [-V] [--gil] [--kernel] [--attach=CONTAINER]
                                  [--calls=PATTERN] [--calls-by=usdt|monitoring]
                                  [--container=IMAGE] [--json=FILE] [--timeout=DURATION]
                                  [--family=NAME]... [-p=HOST:CONTAINER]...
                                  [PYTHON SCRIPT [ARGS]...]
            Runs PYTHON SCRIPT [ARGS] with probes attached, prints the report, writes the
            JSON report.
                  [PYTHON SCRIPT [ARGS]...]
                                       The workload, after '--'.
                  --attach=CONTAINER   Attach to the CPython already running in CONTAINER
                                         (id or name) instead of starting one; a signal or
                                         --timeout detaches and prints the report, the
                                         container runs on.
                  --calls=PATTERN      Count calls of functions whose file:function matches
                                         the glob, e.g. '*/app.py:*'.
                  --calls-by=usdt|monitoring
                                       How calls are counted: usdt (the function__return
                                         probe, every call pays), monitoring (inside the
                                         workload: sys.monitoring on 3.12+, sys.settrace on
                                         3.11) or auto (the default: monitoring on 3.12+,
                                         usdt before).
                  --container=IMAGE    Run in a container of IMAGE (cpython-3.11,
                                         cpython-3.13, or any image with a CPython with
                                         markers, /bin/sh and mkfifo).
                  --family=NAME        Also record the optional probe family NAME
                                         (repeatable): kernel (off-CPU time, context
                                         switches, page faults, syscalls) or gil (the waits
                                         for the GIL: CPython's take_gil, found in its
                                         symbols or its pythonX.Y-dbg debug file).
                  --gil                The same as --family gil.
              -h, --help               Show this help message and exit.
                  --json=FILE          Also write the JSON report (schema 1) to FILE.
                  --kernel             The same as --family kernel.
              -p, --publish=HOST:CONTAINER
                                       With --container: publish the container's port
                                         CONTAINER on the host's port HOST.
                  --timeout=DURATION   Stop the workload after DURATION (30s, 2m, 1h,
                                         500ms; a bare number is seconds) and exit 124.
              -V, --version            Print version information and exit.
            """;

    Path json;
    String calls;
    String callsBy;
    List<String> families;
    boolean kernel;
    boolean gil;
    Duration timeout;
    String container;
    String attach;
    List<PublishedPort> publish = new ArrayList<>();
    /** PYTHON SCRIPT [ARGS]: the operands before '--' (refused, but for --attach's sentence) and all after it. */
    List<String> workload = new ArrayList<>();

    private final PrintStream out;
    private final PrintStream err;
    private final StopRequests stops;

    TraceCommand(PrintStream out, PrintStream err, StopRequests stops) {
        this.out = out;
        this.err = err;
        this.stops = stops;
    }

    /** Reads the options in picocli's order of complaints: a bad value, then --help/--version, then an unknown option. */
    int run(List<String> args) {
        Arguments arguments = Arguments.parse(args, OPTIONS, true);
        String json = arguments.value("--json");
        this.json = json == null ? null : Path.of(json);
        calls = arguments.value("--calls");
        callsBy = arguments.value("--calls-by");
        families = arguments.values("--family");
        kernel = arguments.flag("--kernel");
        gil = arguments.flag("--gil");
        String timeout = arguments.value("--timeout");
        this.timeout = timeout == null ? null : duration(timeout);
        container = arguments.value("--container");
        attach = arguments.value("--attach");
        for (String port : arguments.values("--publish")) {
            publish.add(PublishedPort.parse(port));
        }
        Optional<String> asked = Main.helpOrVersion(arguments, HELP);
        if (asked.isPresent()) {
            return Main.print(out, asked.get());
        }
        arguments.refuseUnmatched();
        workload.addAll(arguments.operands);
        workload.addAll(arguments.afterDashes);
        if (attach == null && !arguments.operands.isEmpty()) {
            throw new UsageException("unexpected argument '" + arguments.operands.get(0) + "' before '--'.");
        }
        return call();
    }

    private int call() {
        if (attach != null && (container != null || !publish.isEmpty() || !workload.isEmpty())) {
            err.println("pybudget: --attach traces what already runs in that container: give no workload, --container"
                    + " or --publish with it. " + Main.USAGE);
            return Main.CANNOT_TRACE;
        }
        if (attach != null && (kernel || gil || !families.isEmpty())) {
            // The agent attaching to a running container gets the call pattern only: an optional family asked for
            // here would be silently missing from the report.
            err.println("pybudget: --attach records the interpreter's own probes only: --family, --kernel and --gil need a"
                    + " workload that pybudget starts (-- PYTHON SCRIPT, or --container). " + Main.USAGE);
            return Main.CANNOT_TRACE;
        }
        TraceOptions options = TraceOptions.defaults().withKernelContext(kernel).withGilWaits(gil);
        try {
            for (String family : families) { // an unknown name: its message names the known ones
                options = options.withFamily(family);
            }
            if (calls != null) {
                options = options.withCallPattern(calls);
            }
            if (callsBy != null) {
                options = options.withCallCounting(CallCounting.parse(callsBy));
            }
        } catch (IllegalArgumentException e) { // a malformed pattern, an unknown family: its message shows the form
            err.println("pybudget: " + e.getMessage());
            return Main.CANNOT_TRACE;
        }
        if (!publish.isEmpty() && container == null) {
            err.println("pybudget: --publish needs --container: a workload on this host listens on this host's ports"
                    + " already. " + Main.USAGE);
            return Main.CANNOT_TRACE;
        }
        if (timeout != null) {
            stops.timeoutAfter(timeout);
        }
        Recording recording;
        try {
            recording = attach != null ? AttachTrace.run(attach, options, stops)
                    : container != null ? ContainerTrace.run(this, options, stops) : hostTrace(options);
        } catch (TraceException e) {
            err.println("pybudget: " + e.getMessage());
            return Main.CANNOT_TRACE;
        }
        // What the probes cost, in the reports: this machine's rates, measured once (about a second) and cached.
        ProbeCalibration.ensure(container == null && attach == null ? Optional.of(Path.of(recording.python().executable()))
                : Optional.empty());
        out.print(TextReport.render(recording));
        if (json != null) {
            try {
                JsonReport.write(recording, json);
            } catch (IOException e) {
                err.println("pybudget: the JSON report could not be written: " + e.getMessage());
                return Main.CANNOT_TRACE;
            }
            out.println("JSON report: " + json);
        }
        out.flush();
        Optional<StopRequests.Stop> stop = stops.stop();
        if (stop.isPresent()) {
            err.println("pybudget: " + stop.get().sentence(timeout) + (attach != null ? " the probes were detached (the"
                    + " container runs on);" : " the workload was stopped;") + " the report holds what it did until then.");
            return stop.get().status;
        }
        return recording.exitStatus().orElse(Main.CANNOT_TRACE);
    }

    /**
     * Waits for the workload's exit or a stop request (a signal to the command line, --timeout), whichever
     * comes first; on a stop, the workload and what it started get SIGTERM (SIGKILL 2 s later).
     */
    private Recording hostTrace(TraceOptions options) {
        try (Trace trace = Tracer.start(new ProcessBuilder(workload).inheritIO(), options)) {
            CompletableFuture<?> exited = ProcessHandle.of(trace.pid()).map(ProcessHandle::onExit)
                    .map(f -> (CompletableFuture<?>) f).orElse(CompletableFuture.completedFuture(null));
            CompletableFuture<Object> ended = CompletableFuture.anyOf(exited, stops.requested());
            EndPathWarmUp.start(trace, ended, json != null);
            ended.join();
            if (stops.stop().isPresent() && trace.isRunning()) {
                trace.close();
                return trace.snapshot();
            }
            return trace.finish();
        }
    }

    Optional<String> containerImage() {
        return Optional.ofNullable(container);
    }

    /** {@code 30s}, {@code 2m}, {@code 1h}, {@code 500ms}; a bare number is seconds, as timeout(1) reads it. */
    static Duration duration(String value) {
        int digits = Arguments.leadingDigits(value);
        String unit = value.substring(digits);
        long n = digits == 0 || digits > 9 ? 0 : Long.parseLong(value.substring(0, digits));
        Duration duration = switch (unit) {
            case "ms" -> Duration.ofMillis(n);
            case "s", "" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ZERO;
        };
        if (duration.isZero()) {
            throw new UsageException("--timeout '" + value + "' is not a duration: give a positive number with"
                    + " ms, s, m or h, e.g. 30s or 2m.");
        }
        return duration;
    }

    /** How a duration was given, for the sentences: 2s, 1m30s, 500ms. */
    static String describe(Duration d) {
        if (d.toMillisPart() != 0 || d.isZero()) {
            return d.toMillis() + "ms";
        }
        return (d.toHours() > 0 ? d.toHours() + "h" : "") + (d.toMinutesPart() > 0 ? d.toMinutesPart() + "m" : "")
                + (d.toSecondsPart() > 0 ? d.toSecondsPart() + "s" : "");
    }
}

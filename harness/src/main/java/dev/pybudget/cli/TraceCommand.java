package dev.pybudget.cli;

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
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code pybudget trace [--json FILE] [--calls PATTERN] [--calls-by usdt|monitoring] [--family NAME]... [--timeout DURATION] [--container IMAGE
 * [--publish HOST:CONTAINER]...] -- PYTHON SCRIPT [ARGS]}: runs the script with probes attached (on this
 * host, or in a container of IMAGE with the current directory copied in as its working directory),
 * prints the report and writes the JSON. Exits with the workload's status; 124 when --timeout stopped
 * it, 128+N when signal N stopped the command line (it stops the workload first, and still reports);
 * 2 with one sentence on stderr when it cannot trace.
 */
@Command(name = "trace", mixinStandardHelpOptions = true,
        description = "Runs PYTHON SCRIPT [ARGS] with probes attached, prints the report, writes the JSON report.")
final class TraceCommand implements Callable<Integer> {

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the JSON report (schema 1) to FILE.")
    Path json;

    @Option(names = "--calls", paramLabel = "PATTERN",
            description = "Count calls of functions whose file:function matches the glob, e.g. '*/app.py:*'.")
    String calls;

    @Option(names = "--calls-by", paramLabel = "usdt|monitoring",
            description = "How calls are counted: usdt (the function__return probe, every call pays), monitoring (inside"
                    + " the workload: sys.monitoring on 3.12+, sys.settrace on 3.11) or auto (the default: monitoring on"
                    + " 3.12+, usdt before).")
    String callsBy;

    @Option(names = "--family", paramLabel = "NAME",
            description = "Also record the optional probe family NAME (repeatable): kernel (off-CPU time, context switches,"
                    + " page faults, syscalls) or gil (the waits for the GIL: CPython's take_gil, found in its symbols or"
                    + " its pythonX.Y-dbg debug file).")
    List<String> families = new ArrayList<>();

    @Option(names = "--kernel", description = "The same as --family kernel.")
    boolean kernel;

    @Option(names = "--gil", description = "The same as --family gil.")
    boolean gil;

    @Option(names = "--timeout", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Stop the workload after DURATION (30s, 2m, 1h, 500ms; a bare number is seconds) and exit 124.")
    Duration timeout;

    @Option(names = "--container", paramLabel = "IMAGE",
            description = "Run in a container of IMAGE (cpython-3.11, cpython-3.13, or any image with a CPython with markers, /bin/sh and mkfifo).")
    String container;

    @Option(names = "--attach", paramLabel = "CONTAINER",
            description = "Attach to the CPython already running in CONTAINER (id or name) instead of starting one;"
                    + " a signal or --timeout detaches and prints the report, the container runs on.")
    String attach;

    @Option(names = {"-p", "--publish"}, paramLabel = "HOST:CONTAINER", converter = PublishedPort.Converter.class,
            description = "With --container: publish the container's port CONTAINER on the host's port HOST.")
    List<PublishedPort> publish = new ArrayList<>();

    @Parameters(paramLabel = "PYTHON SCRIPT [ARGS]", description = "The workload, after '--'.")
    List<String> workload = new ArrayList<>();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private final PrintStream out;
    private final PrintStream err;
    private final StopRequests stops;

    TraceCommand(PrintStream out, PrintStream err, StopRequests stops) {
        this.out = out;
        this.err = err;
        this.stops = stops;
    }

    @Override
    public Integer call() {
        List<String> given = spec.commandLine().getParseResult().originalArgs();
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
        List<String> afterDashes = given.subList(given.indexOf("--") + 1, given.size());
        if (attach == null && !afterDashes.equals(workload)) { // picocli also takes positional arguments before '--'
            err.println("pybudget: unexpected argument '" + workload.get(0) + "' before '--'. " + Main.USAGE);
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
    static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        private static final Pattern FORM = Pattern.compile("(\\d{1,9})(ms|s|m|h)?");

        @Override
        public Duration convert(String value) {
            Matcher m = FORM.matcher(value);
            if (!m.matches() || Long.parseLong(m.group(1)) == 0) {
                throw new CommandLine.TypeConversionException("--timeout '" + value + "' is not a duration: give a"
                        + " positive number with ms, s, m or h, e.g. 30s or 2m.");
            }
            long n = Long.parseLong(m.group(1));
            String unit = m.group(2) == null ? "s" : m.group(2);
            return switch (unit) {
                case "ms" -> Duration.ofMillis(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofSeconds(n);
            };
        }
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

package dev.pybudget.cli;

import dev.pybudget.engine.CallCounting;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code pybudget trace [--json FILE] [--calls PATTERN] [--calls-by usdt|monitoring] [--container IMAGE] -- PYTHON SCRIPT [ARGS]}: runs
 * the script with probes attached (on this host, or in a container of IMAGE with the current
 * directory copied in as its working directory), prints the report and writes the JSON. Exits with the workload's status,
 * or 2 with one sentence on stderr when it cannot trace.
 */
public final class Main {
    private Main() {}

    static final int CANNOT_TRACE = 2;
    /** Appended to the one line on stderr when the command line has the wrong shape. */
    static final String USAGE = "Usage: pybudget trace [--json FILE] [--calls PATTERN] [--calls-by usdt|monitoring] [--container IMAGE] -- PYTHON SCRIPT [ARGS]";

    public static void main(String[] args) {
        // One trace per process: loading the programs of a next one ahead would be wasted.
        System.setProperty(Tracer.LOAD_AHEAD_PROPERTY, System.getProperty(Tracer.LOAD_AHEAD_PROPERTY, "false"));
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        TraceCommand command;
        try {
            command = TraceCommand.parse(List.of(args));
        } catch (UsageException e) {
            err.println("pybudget: " + e.getMessage() + " " + USAGE);
            return CANNOT_TRACE;
        } catch (IllegalArgumentException e) { // a malformed value, e.g. the call pattern: its message shows the form
            err.println("pybudget: " + e.getMessage());
            return CANNOT_TRACE;
        }
        try {
            Recording recording = command.container().isPresent() ? ContainerTrace.run(command) : hostTrace(command);
            out.print(TextReport.render(recording));
            if (command.json().isPresent()) {
                JsonReport.write(recording, command.json().get());
                out.println("JSON report: " + command.json().get());
            }
            return recording.exitStatus().orElse(CANNOT_TRACE);
        } catch (TraceException e) {
            err.println("pybudget: " + e.getMessage());
            return CANNOT_TRACE;
        } catch (IOException e) {
            err.println("pybudget: the JSON report could not be written: " + e.getMessage());
            return CANNOT_TRACE;
        }
    }

    private static Recording hostTrace(TraceCommand command) {
        try (Trace trace = Tracer.start(new ProcessBuilder(command.workload()).inheritIO(), command.options())) {
            return trace.finish();
        }
    }

    record TraceCommand(Optional<Path> json, TraceOptions options, Optional<String> container, List<String> workload) {

        static TraceCommand parse(List<String> args) {
            if (args.isEmpty() || !args.get(0).equals("trace")) {
                throw new UsageException(args.isEmpty() ? "no command given." : "unknown command '" + args.get(0) + "'.");
            }
            Optional<Path> json = Optional.empty();
            Optional<String> container = Optional.empty();
            TraceOptions options = TraceOptions.defaults();
            int i = 1;
            for (; i < args.size() && !args.get(i).equals("--"); i++) {
                String option = args.get(i);
                if (i + 1 >= args.size() || args.get(i + 1).equals("--")) {
                    throw new UsageException("option " + option + " needs a value.");
                }
                String value = args.get(++i);
                switch (option) {
                    case "--json" -> json = Optional.of(Path.of(value));
                    case "--calls" -> options = options.withCallPattern(value);
                    case "--calls-by" -> options = options.withCallCounting(callCounting(value));
                    case "--container" -> container = Optional.of(value);
                    default -> throw new UsageException("unknown option '" + option + "'.");
                }
            }
            if (i >= args.size() || i + 1 >= args.size()) {
                throw new UsageException("give the workload after '--': PYTHON SCRIPT [ARGS].");
            }
            return new TraceCommand(json, options, container, new ArrayList<>(args.subList(i + 1, args.size())));
        }
    }

    /** --calls-by usdt|monitoring|auto: how calls are counted (CallCounting). */
    private static CallCounting callCounting(String value) {
        try {
            return CallCounting.parse(value);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--calls-by takes usdt, monitoring or auto, not '" + value + "'.");
        }
    }

    /** The command line has the wrong shape: said in one line, followed by the usage. */
    static final class UsageException extends IllegalArgumentException {
        UsageException(String message) {
            super(message);
        }
    }
}

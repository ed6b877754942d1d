package dev.pybudget.cli;

import dev.pybudget.engine.Tracer;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.MissingParameterException;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * {@code pybudget trace [OPTIONS] -- PYTHON SCRIPT [ARGS]} (see {@link TraceCommand}) and
 * {@code pybudget setup} (see {@link SetupCommand}). A command line of the wrong shape exits 2 with one
 * sentence and the usage on one line of stderr.
 */
@Command(name = "pybudget", subcommands = {TraceCommand.class, SetupCommand.class},
        description = "Python performance budgets: trace a CPython with eBPF on its USDT markers.",
        mixinStandardHelpOptions = true, versionProvider = Main.Version.class)
public final class Main {

    static final int CANNOT_TRACE = 2;
    /** Appended to the one line on stderr when the command line has the wrong shape. */
    static final String USAGE = "Usage: pybudget trace [--json FILE] [--calls PATTERN] [--calls-by usdt|monitoring]"
            + " [--family NAME]..."
            + " [--timeout DURATION]"
            + " [--container IMAGE [--publish HOST:CONTAINER]...] -- PYTHON SCRIPT [ARGS]"
            + " | pybudget trace [OPTIONS] --attach CONTAINER | pybudget setup";

    public static void main(String[] args) {
        // One trace per process: loading the programs of a next one ahead would be wasted.
        System.setProperty(Tracer.LOAD_AHEAD_PROPERTY, System.getProperty(Tracer.LOAD_AHEAD_PROPERTY, "false"));
        // A terminal's Ctrl-C reaches the command line alone, which stops the workload and still reports.
        System.setProperty(Tracer.OWN_SESSION_PROPERTY, System.getProperty(Tracer.OWN_SESSION_PROPERTY, "true"));
        int status;
        try (StopRequests stops = StopRequests.onSignals()) {
            status = run(args, System.out, System.err, stops);
        }
        System.exit(status);
    }

    /** Runs the command line in this JVM, stopped by nothing but its own --timeout. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        try (StopRequests stops = StopRequests.none()) {
            return run(args, out, err, stops);
        }
    }

    static int run(String[] args, PrintStream out, PrintStream err, StopRequests stops) {
        if (args.length == 0) {
            return usageError(err, "no command given.");
        }
        // The workload comes after '--' and is at least PYTHON SCRIPT (said before picocli, which has no '--' rule).
        List<String> all = Arrays.asList(args);
        int dashes = all.indexOf("--");
        List<String> options = dashes < 0 ? all : all.subList(0, dashes);
        boolean attaching = options.contains("--attach") || options.stream().anyMatch(o -> o.startsWith("--attach="));
        if (args[0].equals("trace") && !options.contains("--help") && !options.contains("-h") && !attaching
                && (dashes < 0 || args.length - dashes < 3)) {
            return usageError(err, "give the workload after '--': PYTHON SCRIPT [ARGS].");
        }
        CommandLine commandLine = new CommandLine(new Main(), new Factory(out, err, stops))
                .setExpandAtFiles(false) // an argument such as @requests.txt is the workload's, not a file of ours
                .setOut(new PrintWriter(out, true))
                .setErr(new PrintWriter(err, true))
                .setParameterExceptionHandler((e, ignored) -> usageError(err, sentence(e)))
                .setExecutionExceptionHandler((e, command, parseResult) -> {
                    throw e;
                });
        return commandLine.execute(args);
    }

    private static int usageError(PrintStream err, String sentence) {
        err.println("pybudget: " + sentence + " " + USAGE);
        return CANNOT_TRACE;
    }

    /** picocli's messages, in the command line's own words (one sentence each, pinned by the tests). */
    private static String sentence(ParameterException e) {
        if (e instanceof UnmatchedArgumentException unmatched && !unmatched.getUnmatched().isEmpty()) {
            String first = unmatched.getUnmatched().get(0);
            boolean isCommand = e.getCommandLine().getCommandSpec().name().equals("pybudget");
            return first.startsWith("-") ? "unknown option '" + first + "'."
                    : isCommand ? "unknown command '" + first + "'." : "unexpected argument '" + first + "'.";
        }
        if (e instanceof MissingParameterException missing && missing.getMissing() != null && !missing.getMissing().isEmpty()
                && missing.getMissing().get(0).isOption()) {
            return "option " + ((CommandLine.Model.OptionSpec) missing.getMissing().get(0)).longestName() + " needs a value.";
        }
        if (e.getCause() instanceof CommandLine.TypeConversionException conversion) {
            return conversion.getMessage();
        }
        String message = e.getMessage();
        return message.endsWith(".") ? message : message + ".";
    }

    /** Builds the subcommands with this run's streams and stop requests. */
    private record Factory(PrintStream out, PrintStream err, StopRequests stops) implements CommandLine.IFactory {
        @Override
        public <K> K create(Class<K> type) throws Exception {
            if (type == TraceCommand.class) {
                return type.cast(new TraceCommand(out, err, stops));
            }
            if (type == SetupCommand.class) {
                return type.cast(new SetupCommand(out));
            }
            return CommandLine.defaultFactory().create(type);
        }
    }

    /** The jar's version, as Maven wrote it into the manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = Main.class.getPackage().getImplementationVersion();
            return new String[] {"pybudget " + (version == null ? "(development build)" : version)};
        }
    }

    /** The top command runs nothing by itself: a subcommand does. */
    private Main() {}
}

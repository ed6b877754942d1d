package dev.pybudget.cli;

import dev.pybudget.cli.Arguments.UsageException;
import dev.pybudget.engine.Tracer;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * {@code pybudget trace [OPTIONS] -- PYTHON SCRIPT [ARGS]} (see {@link TraceCommand}) and
 * {@code pybudget setup} (see {@link SetupCommand}). A command line of the wrong shape exits 2 with one
 * sentence and the usage on one line of stderr.
 */
public final class Main {

    static final int CANNOT_TRACE = 2;
    /** Appended to the one line on stderr when the command line has the wrong shape. */
    static final String USAGE = "Usage: pybudget trace [--json FILE] [--calls PATTERN] [--calls-by usdt|monitoring]"
            + " [--family NAME]..."
            + " [--timeout DURATION]"
            + " [--container IMAGE [--publish HOST:CONTAINER]...] -- PYTHON SCRIPT [ARGS]"
            + " | pybudget trace [OPTIONS] --attach CONTAINER | pybudget setup";
    /** {@code pybudget --help}, laid out as picocli laid it out. */
    static final String HELP = """
            Usage: pybudget [-h] [-V] [COMMAND]
            Python performance budgets: trace a CPython with eBPF on its USDT markers.
              -h, --help      Show this help message and exit.
              -V, --version   Print version information and exit.
            Commands:
              trace  Runs PYTHON SCRIPT [ARGS] with probes attached, prints the report,
                       writes the JSON report.
              setup  Prints the script that sets a Debian or Ubuntu machine up for
                       pybudget: pipe it to sudo bash.
            """;

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
        // The workload comes after '--' and is at least PYTHON SCRIPT: said before any other fault of the options.
        List<String> all = Arrays.asList(args);
        int dashes = all.indexOf("--");
        List<String> options = dashes < 0 ? all : all.subList(0, dashes);
        boolean attaching = false;
        for (String option : options) {
            attaching |= option.equals("--attach") || option.startsWith("--attach=");
        }
        boolean helpOrVersion = options.contains("--help") || options.contains("-h") || options.contains("--version")
                || options.contains("-V");
        if (args[0].equals("trace") && !helpOrVersion && !attaching && (dashes < 0 || args.length - dashes < 3)) {
            return usageError(err, "give the workload after '--': PYTHON SCRIPT [ARGS].");
        }
        List<String> rest = all.subList(1, args.length);
        try {
            return switch (args[0]) {
                case "trace" -> new TraceCommand(out, err, stops).run(rest);
                case "setup" -> new SetupCommand(out).run(rest);
                // As picocli read the top level: a help or version option first wins over whatever follows it.
                case "-h", "--help" -> print(out, HELP);
                case "-V", "--version" -> print(out, version());
                default -> usageError(err, args[0].startsWith("-") ? "unknown option '" + args[0] + "'."
                        : "unknown command '" + args[0] + "'.");
            };
        } catch (UsageException e) {
            return usageError(err, e.getMessage());
        }
    }

    static int usageError(PrintStream err, String sentence) {
        err.println("pybudget: " + sentence + " " + USAGE);
        return CANNOT_TRACE;
    }

    /** What a command's -h/--help or -V/--version asks for, help first as picocli read them; empty for neither. */
    static Optional<String> helpOrVersion(Arguments arguments, String help) {
        return arguments.flag("--help") ? Optional.of(help)
                : arguments.flag("--version") ? Optional.of(version()) : Optional.empty();
    }

    /** Prints a help text or the version on stdout: exit status 0. */
    static int print(PrintStream out, String text) {
        out.print(text);
        out.flush();
        return 0;
    }

    /** The jar's version, as Maven wrote it into the manifest. */
    static String version() {
        String version = Main.class.getPackage().getImplementationVersion();
        return "pybudget " + (version == null ? "(development build)" : version) + "\n";
    }

    /** The top command runs nothing by itself: a subcommand does. */
    private Main() {}
}

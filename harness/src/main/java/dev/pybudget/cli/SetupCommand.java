package dev.pybudget.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Optional;

/**
 * {@code pybudget setup}: prints the machine set-up script shipped in the jar (the repository's
 * ci/setup-engine.sh: packages, Docker engine, base images), for a CI machine that has the jar and not
 * the repository: {@code java -jar pybudget.jar setup | sudo bash}.
 */
final class SetupCommand {

    static final String SCRIPT = "pybudget/ci/setup-engine.sh";
    static final String HELP = """
            Usage: pybudget setup [-h] [-V]
            Prints the script that sets a Debian or Ubuntu machine up for pybudget: pipe it
            to sudo bash.
              -h, --help      Show this help message and exit.
              -V, --version   Print version information and exit.
            """;

    private final PrintStream out;

    SetupCommand(PrintStream out) {
        this.out = out;
    }

    /** Takes no operand: {@code setup extra} is refused. */
    int run(List<String> args) {
        Arguments arguments = Arguments.parse(args, List.of(Arguments.HELP, Arguments.VERSION), false);
        Optional<String> asked = Main.helpOrVersion(arguments, HELP);
        if (asked.isPresent()) {
            return Main.print(out, asked.get());
        }
        arguments.refuseUnmatched();
        try (InputStream script = SetupCommand.class.getClassLoader().getResourceAsStream(SCRIPT)) {
            if (script == null) {
                throw new IllegalStateException(SCRIPT + " is not in this jar: rebuild pybudget (mvn package).");
            }
            script.transferTo(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.flush();
        return 0;
    }
}

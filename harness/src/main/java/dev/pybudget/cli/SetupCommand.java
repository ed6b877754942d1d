package dev.pybudget.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/**
 * {@code pybudget setup}: prints the machine set-up script shipped in the jar (the repository's
 * ci/setup-engine.sh: packages, Docker engine, base images), for a CI machine that has the jar and not
 * the repository: {@code java -jar pybudget.jar setup | sudo bash}.
 */
@Command(name = "setup", mixinStandardHelpOptions = true,
        description = "Prints the script that sets a Debian or Ubuntu machine up for pybudget: pipe it to sudo bash.")
final class SetupCommand implements Callable<Integer> {

    static final String SCRIPT = "pybudget/ci/setup-engine.sh";

    private final PrintStream out;

    SetupCommand(PrintStream out) {
        this.out = out;
    }

    @Override
    public Integer call() throws IOException {
        try (InputStream script = SetupCommand.class.getClassLoader().getResourceAsStream(SCRIPT)) {
            if (script == null) {
                throw new IllegalStateException(SCRIPT + " is not in this jar: rebuild pybudget (mvn package).");
            }
            script.transferTo(out);
        }
        out.flush();
        return 0;
    }
}

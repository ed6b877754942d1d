package dev.pybudget.cli;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The command line as a user runs it: {@code java ... dev.pybudget.cli.Main ARGS} in a JVM of its own,
 * in a session and process group of its own (as a shell's foreground job is), so that a test can send
 * it a signal, to it alone or to its whole group as a terminal's Ctrl-C does.
 */
final class ChildCli implements AutoCloseable {

    private final Process process;
    private final Path out;
    private final Path err;

    private ChildCli(Process process, Path out, Path err) {
        this.process = process;
        this.out = out;
        this.err = err;
    }

    /** Starts the command line in {@code directory}; {@code environment} edits the child's environment. */
    static ChildCli start(Path directory, Consumer<Map<String, String>> environment, String... args) throws IOException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        // setsid: the child JVM leads a session and process group of its own, as a shell's job would.
        List<String> command = new ArrayList<>(List.of("/usr/bin/setsid", java.toString(), "-cp", classPath(),
                Main.class.getName()));
        command.addAll(List.of(args));
        // Outside the directory: --container copies it into the container.
        Path out = Files.createTempFile("pybudget-cli", ".out");
        Path err = Files.createTempFile("pybudget-cli", ".err");
        ProcessBuilder builder = new ProcessBuilder(command).directory(directory.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        environment.accept(builder.environment());
        return new ChildCli(builder.start(), out, err);
    }

    /** Everything the test JVM has (surefire's real class path, not its manifest-only booter jar). */
    private static String classPath() {
        return System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** kill -SIGNAL PID: to the command line alone. */
    void signal(String name) throws Exception {
        kill("-" + name, String.valueOf(pid()));
    }

    /** kill -SIGNAL -PGID: to its whole process group, as a terminal sends Ctrl-C to its foreground job. */
    void signalGroup(String name) throws Exception {
        kill("-" + name, "--", "-" + pid());
    }

    private static void kill(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("kill"));
        command.addAll(List.of(args));
        Process kill = new ProcessBuilder(command).inheritIO().start();
        if (kill.waitFor() != 0) {
            fail("kill " + String.join(" ", args) + " failed");
        }
    }

    /** Waits for the exit; fails (killing the child) when it does not come within {@code seconds}. */
    CliRun await(long seconds) throws Exception {
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
            fail("the command line did not exit within " + seconds + " s; stdout: " + out() + " stderr: " + err());
        }
        return new CliRun(process.exitValue(), out(), err());
    }

    String out() throws IOException {
        return Files.readString(out, StandardCharsets.UTF_8);
    }

    String err() throws IOException {
        return Files.readString(err, StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws Exception {
        if (process.isAlive()) {
            process.destroyForcibly().waitFor();
        }
        Files.deleteIfExists(out);
        Files.deleteIfExists(err);
    }

    /** The pids of the processes whose command line contains {@code text}. */
    static List<Long> processesMentioning(String text) throws IOException {
        List<Long> pids = new ArrayList<>();
        try (DirectoryStream<Path> proc = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path p : proc) {
                try {
                    String cmdline = new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8);
                    if (cmdline.contains(text)) {
                        pids.add(Long.parseLong(p.getFileName().toString()));
                    }
                } catch (IOException e) {
                    // exited while we looked
                }
            }
        }
        return pids;
    }
}

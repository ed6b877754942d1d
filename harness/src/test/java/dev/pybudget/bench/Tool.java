package dev.pybudget.bench;

import dev.pybudget.engine.BackgroundWork;
import dev.pybudget.engine.Trace;
import dev.pybudget.engine.TraceOptions;
import dev.pybudget.engine.Tracer;
import dev.pybudget.recording.Recording;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.MatchResult;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A way to run a workload: untraced, with our engine in this JVM, with our CLI, or with bpftrace.
 * A container tool (pending) implements the same interface: spawn the workload traced, hand back
 * a {@link Handle}.
 */
interface Tool {

    String name();

    /** Starts the workload ({@code python SCRIPT ARGS} in {@code dir}) traced as this tool does. */
    Handle spawn(Path dir, List<String> scriptAndArgs) throws Exception;

    default Run run(Path dir, List<String> scriptAndArgs) throws Exception {
        return spawn(dir, scriptAndArgs).finish();
    }

    /** A running workload. */
    interface Handle {
        /** What the workload printed so far. */
        String output();

        /** The pid of the tool's own process (0: this JVM). */
        long toolPid();

        /** Stops the workload (SIGTERM to the Python process). */
        void stopWorkload();

        /** The Python process's pid (0 when not found). */
        long pythonPid();

        /** What our engine recorded so far (our in-JVM tool only). */
        default Optional<Recording> snapshot() {
            return Optional.empty();
        }

        /** Waits for the workload and the tool to end. */
        Run finish() throws Exception;

        /** Waits until the workload printed a line containing {@code text}. */
        default void await(String text, long timeoutMs) throws InterruptedException {
            long deadline = System.currentTimeMillis() + timeoutMs;
            while (!output().contains(text)) {
                if (System.currentTimeMillis() > deadline) {
                    throw new IllegalStateException("no '" + text + "' within " + timeoutMs + " ms; output:\n" + Run.tail(output()));
                }
                Thread.sleep(2);
            }
        }
    }

    String PYTHON = "/usr/bin/python3.11";

    static Path tempFile(String prefix) throws IOException {
        Path f = Files.createTempFile("pybudget-bench-" + prefix, ".out");
        f.toFile().deleteOnExit();
        return f;
    }

    /** Python with no tool. */
    final class Untraced implements Tool {
        private final String python;
        private final String name;

        Untraced() {
            this(PYTHON, "untraced");
        }

        /** Another CPython (e.g. a pyenv build, for the symbol-probe row), under its own name. */
        Untraced(String python, String name) {
            this.python = python;
            this.name = name;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public Handle spawn(Path dir, List<String> args) throws Exception {
            List<String> cmd = new ArrayList<>(List.of(python));
            cmd.addAll(args);
            return ToolProcess.start(new ProcessBuilder(cmd).directory(dir.toFile()), tempFile("untraced"), null);
        }
    }

    /** Our engine inside this JVM, as the JUnit extension uses it. */
    final class OursInJvm implements Tool {
        /** How runs follow each other. */
        enum After {
            /** back to back: the next run starts while the last one's probes detach and the next objects load */
            NOTHING,
            /** after each run, wait for the engine's background work (detaching, loading the next objects ahead) */
            BACKGROUND_WORK,
            /** as BACKGROUND_WORK, and before each start free what was loaded ahead: the start loads its own, as a JVM's first trace does */
            NOTHING_LOADED_AHEAD
        }

        private final TraceOptions options;
        private final After after;
        private final String name;
        /** The last recording, for loss counts and map sizes. */
        volatile Recording last;

        OursInJvm(TraceOptions options) {
            this(options, After.BACKGROUND_WORK);
        }

        OursInJvm(TraceOptions options, After after) {
            this(options, after, "pybudget");
        }

        OursInJvm(TraceOptions options, After after, String name) {
            this(options, after, name, PYTHON);
        }

        /** Another CPython (e.g. a pyenv build, traced through its symbols), under its own name. */
        OursInJvm(TraceOptions options, After after, String name, String python) {
            this.options = options;
            this.after = after;
            this.name = name;
            this.python = python;
        }

        private final String python;

        @Override
        public String name() {
            return name;
        }

        @Override
        public Handle spawn(Path dir, List<String> args) throws Exception {
            Path out = tempFile("ours");
            List<String> cmd = new ArrayList<>(List.of(python));
            cmd.addAll(args);
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile())
                    .redirectOutput(out.toFile()).redirectError(ProcessBuilder.Redirect.INHERIT);
            if (after == After.NOTHING_LOADED_AHEAD) {
                Tracer.awaitDetached();
            }
            long started = System.nanoTime();
            Trace trace = Tracer.start(pb, options);
            long released = System.nanoTime();
            return new Handle() {
                @Override
                public String output() {
                    return Run.read(out);
                }

                @Override
                public long toolPid() {
                    return 0;
                }

                @Override
                public void stopWorkload() {
                    ProcessHandle.of(trace.pid()).ifPresent(ProcessHandle::destroy);
                }

                @Override
                public long pythonPid() {
                    return trace.pid();
                }

                @Override
                public Optional<Recording> snapshot() {
                    return Optional.of(trace.snapshot());
                }

                @Override
                public Run finish() {
                    Recording r = trace.finish();
                    long ended = System.nanoTime();
                    trace.close();
                    // The kernel's uprobe unregistration and the next trace's loading go on in the
                    // background; wait for them so that the next run (of any tool) does not pay for them.
                    if (after != After.NOTHING) {
                        BackgroundWork.await();
                    }
                    long detached = System.nanoTime();
                    last = r;
                    String text = output();
                    Map<String, Long> marks = new HashMap<>(Run.marks(text));
                    marks.put("tool.detached", detached);
                    return new Run(started, released, ended, marks, text);
                }
            };
        }
    }

    /** Our command line, {@code java [FLAGS] -jar pybudget.jar trace [CLI ARGS] -- python ...}. */
    final class OursCli implements Tool {
        private final String label;
        private final Path jar;
        private final List<String> jvmFlags;
        private final List<String> cliArgs;

        OursCli(String label, Path jar, List<String> jvmFlags, List<String> cliArgs) {
            this.label = label;
            this.jar = jar;
            this.jvmFlags = jvmFlags;
            this.cliArgs = cliArgs;
        }

        @Override
        public String name() {
            return label;
        }

        @Override
        public Handle spawn(Path dir, List<String> args) throws Exception {
            List<String> cmd = new ArrayList<>();
            cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            cmd.addAll(jvmFlags);
            cmd.addAll(List.of("-jar", jar.toString(), "trace"));
            cmd.addAll(cliArgs);
            cmd.addAll(List.of("--", PYTHON));
            cmd.addAll(args);
            return ToolProcess.start(new ProcessBuilder(cmd).directory(dir.toFile()), tempFile("cli"), null);
        }
    }

    /** bin/pybudget trace -- python ...: the launcher script (C1, serial GC, the class-data archive of its first trace). */
    final class OursLauncher implements Tool {
        private final Path launcher;
        private final Path jar;

        OursLauncher(Path launcher, Path jar) {
            this.launcher = launcher;
            this.jar = jar;
        }

        @Override
        public String name() {
            return "bin/pybudget";
        }

        @Override
        public Handle spawn(Path dir, List<String> args) throws Exception {
            List<String> cmd = new ArrayList<>(List.of(launcher.toString(), "trace", "--", PYTHON));
            cmd.addAll(args);
            ProcessBuilder builder = new ProcessBuilder(cmd).directory(dir.toFile());
            builder.environment().put("PYBUDGET_JAR", jar.toString());
            builder.environment().put("PATH", Path.of(System.getProperty("java.home"), "bin") + ":"
                    + System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
            return ToolProcess.start(builder, tempFile("launcher"), null);
        }
    }

    /** bpftrace -e SCRIPT -c 'python ...': it starts the command after its probes are attached. */
    final class Bpftrace implements Tool {
        private final String script;
        private final String name;

        Bpftrace(String script) {
            this(script, "bpftrace");
        }

        Bpftrace(String script, String name) {
            this.script = script;
            this.name = name;
        }

        /**
         * The floor: the probes of {@code script}, each with an empty action. What is left is the cost of the
         * uprobe trap and of what CPython does for an enabled probe (e.g. building the audit tuple).
         */
        static Bpftrace emptyActions(String script) {
            String empty = PROBE.matcher(script).results().map(MatchResult::group).distinct()
                    .map(probe -> probe + " { }\n").collect(Collectors.joining());
            return new Bpftrace(empty, "bpftrace, empty actions");
        }

        private static final Pattern PROBE = Pattern.compile("usdt:PY:python:\\w+");

        @Override
        public String name() {
            return name;
        }

        @Override
        public Handle spawn(Path dir, List<String> args) throws Exception {
            List<String> cmd = new ArrayList<>(List.of("bpftrace", "-e", script.replace("PY", PYTHON), "-c",
                    PYTHON + " " + String.join(" ", args)));
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
            pb.environment().put("__BPFTRACE_NOTIFY_PROBES_ATTACHED", "1");
            return ToolProcess.start(pb, tempFile("bpftrace"), "__BPFTRACE_NOTIFY_PROBES_ATTACHED");
        }
    }

    /** A tool that is a process of its own: its stdout goes to a file, its stderr is watched for a ready line. */
    final class ToolProcess implements Handle {
        private final Process process;
        private final Path out;
        private final long started;
        private volatile long released;
        private final Thread stderrReader;
        private final StringBuilder stderr = new StringBuilder();

        private ToolProcess(Process process, Path out, long started, String readyLine) {
            this.process = process;
            this.out = out;
            this.started = started;
            this.stderrReader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = r.readLine()) != null; ) {
                        if (readyLine != null && released == 0 && line.contains(readyLine)) {
                            released = System.nanoTime();
                        } else {
                            synchronized (stderr) {
                                stderr.append(line).append('\n');
                            }
                        }
                    }
                } catch (IOException ignored) {
                    // the process ended
                }
            });
            stderrReader.setDaemon(true);
            stderrReader.start();
        }

        static ToolProcess start(ProcessBuilder pb, Path out, String readyLine) throws IOException {
            pb.redirectOutput(out.toFile()).redirectInput(ProcessBuilder.Redirect.PIPE);
            long started = System.nanoTime();
            Process p = pb.start();
            return new ToolProcess(p, out, started, readyLine);
        }

        @Override
        public String output() {
            return Run.read(out);
        }

        @Override
        public long toolPid() {
            return process.pid();
        }

        /** The Python process: the tool itself, or its descendant. */
        Optional<ProcessHandle> python() {
            if (process.info().command().map(c -> c.contains("python")).orElse(false)) {
                return Optional.of(process.toHandle());
            }
            return process.descendants().filter(h -> h.info().command().map(c -> c.contains("python")).orElse(false)).findFirst();
        }

        @Override
        public void stopWorkload() {
            python().ifPresent(ProcessHandle::destroy);
        }

        @Override
        public long pythonPid() {
            return python().map(ProcessHandle::pid).orElse(0L);
        }

        @Override
        public Run finish() throws Exception {
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("timed out; output:\n" + Run.tail(output()));
            }
            long ended = System.nanoTime();
            stderrReader.join(2000);
            String text = output();
            String err;
            synchronized (stderr) {
                err = stderr.toString();
            }
            Map<String, Long> marks = new HashMap<>(Run.marks(text));
            marks.put("tool.exit", (long) process.exitValue());
            return new Run(started, released, ended, marks, text + "\n" + err);
        }
    }

    static void forEachLine(String text, Consumer<String> action) {
        text.lines().forEach(action);
    }
}

package dev.pybudget.engine;

import dev.pybudget.elf.ElfException;
import dev.pybudget.elf.MissingProbeException;
import dev.pybudget.elf.PythonBinary;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Starts a CPython workload with the probes attached before its first bytecode runs.
 *
 * <p>The workload is started gated, as {@code /bin/sh -c 'read _ && exec "$0" "$@"' python ...}: the
 * shell waits for one line on stdin, we attach to its pid (uprobes follow the process through exec)
 * and then write the line. If this JVM dies first, the shell reads end-of-file and the workload
 * never runs untraced.
 */
public final class Tracer {
    private Tracer() {}

    static final List<String> BASE_PROBES = List.of("audit", "gc__start", "gc__done", "import__find__load__start",
            "import__find__load__done");
    static final String CALL_PROBE = "function__return";

    /**
     * @param workload the command ({@code python script args...}), its directory, environment and
     *                 output redirects; its stdin is taken for the gate
     * @throws TraceException with one sentence when it cannot trace; nothing is then left running or attached
     */
    public static Trace start(ProcessBuilder workload, TraceOptions options) {
        List<String> command = workload.command();
        if (command.isEmpty()) {
            throw new TraceException("No command to trace: give the Python executable and a script, e.g. python3 app.py.");
        }
        Path directory = workload.directory() == null ? Path.of("").toAbsolutePath() : workload.directory().toPath();
        PythonBinary python = inspect(resolve(command.get(0), workload.environment().get("PATH")));
        checkScript(command, directory);

        Set<String> wanted = new LinkedHashSet<>(BASE_PROBES);
        options.callPattern().ifPresent(p -> wanted.add(CALL_PROBE));
        Set<String> present = new LinkedHashSet<>();
        List<String> missing = new ArrayList<>();
        for (String probe : wanted) {
            (python.probe(probe).isPresent() ? present : missing).add(probe);
        }
        if (!missing.isEmpty() && (options.requireProbes() || present.isEmpty())) {
            try {
                python.require(wanted);
            } catch (MissingProbeException e) {
                throw new TraceException(e.getMessage(), e);
            }
        }

        List<Concern> concerns = new ArrayList<>();
        for (Concern concern : Concern.values()) {
            if (concern.programs.values().stream().allMatch(present::contains)) {
                concerns.add(concern);
            }
        }
        BpfObjects bpf = BpfObjects.load(concerns, settings(python, options), options);
        Process process = null;
        EventStream stream = null;
        try {
            List<String> gated = new ArrayList<>(List.of("/bin/sh", "-c", "read _ && exec \"$0\" \"$@\"",
                    python.executable().toString()));
            gated.addAll(command.subList(1, command.size()));
            ProcessBuilder builder = new ProcessBuilder(gated).directory(directory.toFile())
                    .redirectInput(ProcessBuilder.Redirect.PIPE)
                    .redirectOutput(workload.redirectOutput()).redirectError(workload.redirectError());
            builder.environment().clear();
            builder.environment().putAll(workload.environment());
            process = builder.start();
            int pid = (int) process.pid();
            stream = new EventStream(bpf.lib(), bpf.mapFd("events"), "pybudget-events-" + pid);
            bpf.attach(pid, python.probeBinary().toString(), present);
            long origin = System.nanoTime();
            release(process);
            return new Trace(python, List.copyOf(present), missing, bpf, stream, process, origin, options);
        } catch (RuntimeException | IOException e) {
            if (process != null) {
                process.destroyForcibly();
            }
            if (stream != null) {
                stream.close();
            }
            bpf.close();
            if (e instanceof TraceException t) {
                throw t;
            }
            throw new TraceException("The workload could not be started: " + e.getMessage() + ".", e);
        }
    }

    private static void release(Process process) throws IOException {
        try (OutputStream gate = process.getOutputStream()) {
            gate.write('\n');
        }
    }

    private static PythonBinary inspect(Path executable) {
        try {
            return PythonBinary.inspect(executable);
        } catch (ElfException e) {
            throw new TraceException(e.getMessage(), e);
        } catch (IOException e) {
            throw new TraceException(executable + " could not be read: " + e.getMessage() + ".", e);
        }
    }

    /** The executable as the shell would find it: a path as given, a bare name on PATH. */
    static Path resolve(String name, String path) {
        if (name.contains("/")) {
            Path file = Path.of(name);
            if (!Files.isRegularFile(file)) {
                throw new TraceException("No such file: " + name + " (the Python executable to trace).");
            }
            return file.toAbsolutePath();
        }
        for (String dir : Optional.ofNullable(path).orElse("/usr/local/bin:/usr/bin:/bin").split(File.pathSeparator)) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return candidate.toAbsolutePath();
            }
        }
        throw new TraceException("No such file: " + name + " is not on PATH (the Python executable to trace).");
    }

    /** python SCRIPT: a script that does not exist is bad input, said before anything starts. */
    private static void checkScript(List<String> command, Path directory) {
        if (command.size() < 2 || command.get(1).startsWith("-")) {
            return; // python -c ..., python -m ...: Python checks its own options
        }
        Path script = directory.resolve(command.get(1));
        if (!Files.exists(script)) {
            throw new TraceException("No such file: " + command.get(1) + " (the script to trace, looked up in " + directory + ").");
        }
    }

    private static Map<Concern, byte[]> settings(PythonBinary python, TraceOptions options) {
        Map<Concern, byte[]> settings = new EnumMap<>(Concern.class);
        byte[] audit = new byte[Layout.AUDIT_SETTINGS_SIZE];
        Layout.putU32(audit, 0, options.streamAudit() ? 1 : 0);
        // Where a str keeps its characters: PyASCIIObject lost its wstr field in 3.12.
        boolean before312 = python.versionMajorMinor().map(v -> !v.isAtLeast(3, 12)).orElse(false);
        boolean known = python.versionMajorMinor().isPresent();
        Layout.putU32(audit, 4, !known ? 0 : before312 ? 48 : 40);
        Layout.putU32(audit, 8, !known ? 0 : before312 ? 56 : 48);
        // A compact non-ASCII str's characters follow its PyCompactUnicodeObject (3.11 also has wstr_length).
        Layout.putU32(audit, 12, !known ? 0 : before312 ? 72 : 56);
        settings.put(Concern.AUDIT, audit);
        options.callPattern().ifPresent(text -> {
            CallPattern pattern = CallPattern.parse(text);
            byte[] calls = new byte[Layout.CALLS_SETTINGS_SIZE];
            byte[] file = pattern.fileGlob().getBytes(StandardCharsets.UTF_8);
            byte[] function = pattern.functionGlob().getBytes(StandardCharsets.UTF_8);
            System.arraycopy(file, 0, calls, 0, file.length);
            System.arraycopy(function, 0, calls, Layout.PATTERN_LEN, function.length);
            settings.put(Concern.CALLS, calls);
        });
        return settings;
    }
}

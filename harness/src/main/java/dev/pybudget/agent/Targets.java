package dev.pybudget.agent;

import dev.pybudget.elf.RootedPath;
import dev.pybudget.engine.Trace;
import dev.pybudget.engine.TraceException;
import dev.pybudget.engine.TraceOptions;
import dev.pybudget.engine.Tracer;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The process the agent traces, found in the pid namespace it shares with the workload's container: the
 * gated shell of a workload started for tracing ({@link AgentProtocol#GATE_SCRIPT}), or a CPython that
 * already runs. Its files are reached through {@code /proc/PID/root}: the agent's image has no CPython.
 */
final class Targets {
    private Targets() {}

    /** How long a gated workload may take to appear in the namespace, and to open its gate. */
    static final long APPEAR_MS = 60_000;
    static final long GATE_OPEN_MS = 10_000;
    private static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    private static final Pattern PYTHON_NAME = Pattern.compile("python\\d(\\.\\d+)?[a-z]*");

    /**
     * Waits for the gated shell, attaches to it (the probes follow it through its exec of CPython), then
     * writes the line that opens the gate {@code fifo} (a path in the workload's file system).
     */
    static Trace gated(Path fifo, TraceOptions options) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(APPEAR_MS);
        long pid;
        List<String> argv;
        while (true) {
            Optional<Long> found = processes().filter(p -> isGate(cmdline(p))).findFirst();
            if (found.isPresent()) {
                pid = found.get();
                argv = cmdline(pid);
                break;
            }
            pause(deadline, "No gated workload appeared in the agent's pid namespace within " + APPEAR_MS / 1000
                    + " s: the workload container did not start, or does not share this namespace.");
        }
        Path root = root(pid);
        Path gate = RootedPath.onHost(root, fifo);
        while (!Files.exists(gate)) {
            if (ProcessHandle.of(pid).isEmpty()) {
                throw new TraceException("The workload exited before it made its gate " + fifo
                        + " (can its user write to " + fifo.getParent() + "? see its output).");
            }
            pause(deadline, "The workload did not make its gate " + fifo + " within " + APPEAR_MS / 1000 + " s.");
        }
        // argv: sh -c GATE_SCRIPT python3 app.py ...: $0 is the CPython to exec.
        Path executable = executable(pid, root, argv.get(3));
        return Tracer.attach(pid, root, executable, () -> open(gate), options);
    }

    /** A CPython that already runs: {@code pid}, or with "auto" the first process whose executable is named like one. */
    static Trace running(String which, TraceOptions options) {
        long pid;
        if (which.equals("auto")) {
            List<String> seen = new ArrayList<>();
            pid = processes().filter(p -> {
                String exe = exe(p).map(Path::toString).orElse("?");
                seen.add(p + " " + exe);
                return exe(p).map(e -> PYTHON_NAME.matcher(e.getFileName().toString()).matches()).orElse(false);
            }).findFirst().orElseThrow(() -> new TraceException("No CPython runs in the container to attach to (its processes: "
                    + (seen.isEmpty() ? "none" : String.join(", ", seen)) + ")."));
        } else {
            pid = Long.parseLong(which);
        }
        Path root = root(pid);
        Path exe = exe(pid).orElseThrow(() -> new TraceException("The process " + which + " to attach to does not run, or its"
                + " executable cannot be read (a workload of another user needs the agent to hold CAP_SYS_PTRACE)."));
        return Tracer.attach(pid, root, exe, null, options);
    }

    static boolean isGate(List<String> argv) {
        return argv.size() >= 4 && argv.get(1).equals("-c") && argv.get(2).equals(AgentProtocol.GATE_SCRIPT);
    }

    /** Every process of this pid namespace but the agent itself, in pid order. */
    private static Stream<Long> processes() {
        long self = ProcessHandle.current().pid();
        try (Stream<Path> entries = Files.list(Path.of("/proc"))) {
            return entries.map(p -> p.getFileName().toString()).filter(n -> n.chars().allMatch(Character::isDigit))
                    .map(Long::valueOf).filter(p -> p != self).sorted().toList().stream();
        } catch (IOException e) {
            throw new TraceException("/proc cannot be listed: " + e.getMessage() + ".");
        }
    }

    private static List<String> cmdline(long pid) {
        try {
            String raw = new String(Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline")), StandardCharsets.UTF_8);
            return raw.isEmpty() ? List.of() : List.of(raw.split("\0", -1)).subList(0, raw.split("\0", -1).length - 1);
        } catch (IOException e) {
            return List.of(); // gone, or not ours to read
        }
    }

    private static Optional<Path> exe(long pid) {
        try {
            return Optional.of(Files.readSymbolicLink(Path.of("/proc/" + pid + "/exe")));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static Path root(long pid) {
        return Path.of("/proc/" + pid + "/root");
    }

    /** The shell's lookup of {@code name}: a path as given (from its working directory), a bare name on its PATH. */
    private static Path executable(long pid, Path root, String name) {
        if (name.contains("/")) {
            Path cwd = Path.of("/");
            try {
                cwd = Files.readSymbolicLink(Path.of("/proc/" + pid + "/cwd"));
            } catch (IOException e) {
                // An absolute name needs no working directory.
            }
            return cwd.resolve(name);
        }
        String path = environment(pid, "PATH").orElse(DEFAULT_PATH);
        for (String dir : path.split(":")) {
            Path candidate = Path.of(dir.isEmpty() ? "/" : dir).resolve(name);
            try {
                RootedPath.realPath(root, candidate);
                return candidate;
            } catch (IOException e) {
                // Not in this directory.
            }
        }
        throw new TraceException("No such file: " + name + " is not on the workload's PATH (" + path + ").");
    }

    private static Optional<String> environment(long pid, String name) {
        try {
            String raw = new String(Files.readAllBytes(Path.of("/proc/" + pid + "/environ")), StandardCharsets.UTF_8);
            for (String entry : raw.split("\0")) {
                if (entry.startsWith(name + "=")) {
                    return Optional.of(entry.substring(name.length() + 1));
                }
            }
        } catch (IOException e) {
            // Not readable: the default PATH, as the shell's.
        }
        return Optional.empty();
    }

    /** One line into the gate; the open blocks until the shell reads, so it has a limit. */
    private static void open(Path gate) {
        CompletableFuture<Void> write = CompletableFuture.runAsync(() -> {
            try (OutputStream out = Files.newOutputStream(gate)) {
                out.write('\n');
            } catch (IOException e) {
                throw new TraceException("The workload's gate " + gate + " could not be opened: " + e.getMessage() + ".");
            }
        });
        try {
            write.get(GATE_OPEN_MS, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new TraceException("The workload did not read its gate within " + GATE_OPEN_MS / 1000 + " s.");
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TraceException("Interrupted while opening the workload's gate.");
        }
    }

    private static void pause(long deadline, String sentence) {
        if (System.nanoTime() - deadline > 0) {
            throw new TraceException(sentence);
        }
        try {
            Thread.sleep(5);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TraceException("Interrupted while waiting for the workload.");
        }
    }
}

package dev.pybudget.support;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pybudget.elf.PythonBinary;
import dev.pybudget.elf.Semaphores;
import dev.pybudget.elf.UsdtProbe;
import dev.pybudget.engine.Tracer;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * What a trace leaves behind: BPF and perf fds in this JVM, and raised USDT semaphores in a
 * process. Both must be back to nothing once a trace ended, or failed to start.
 */
public final class Attachments {
    private Attachments() {}

    /**
     * fds of this JVM that a trace opens: BPF programs, maps, links and BTF, uprobe perf events.
     * Anything a trace leaks shows up here. Ended traces whose workload had exited
     * detach on a background thread: this waits for them first, so that only leaks remain.
     */
    public static List<String> traceFds() throws IOException {
        Tracer.awaitDetached();
        return heldFds();
    }

    /** The fds {@link #traceFds()} lists, as they are now: without waiting for the engine's background work. */
    public static List<String> heldFds() throws IOException {
        List<String> fds = new ArrayList<>();
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path fd : dir) {
                String target;
                try {
                    target = Files.readSymbolicLink(fd).toString();
                } catch (IOException e) {
                    continue; // closed while we listed (the listing's own fd)
                }
                // Not [eventpoll]: the JDK's HTTP clients and selectors open and close those on their own
                // schedule; a leaked ring buffer shows as its map fd anyway.
                if (target.startsWith("anon_inode:bpf") || target.equals("anon_inode:[perf_event]")
                        || target.equals("anon_inode:btf")) {
                    fds.add(fd.getFileName() + " -> " + target);
                }
            }
        }
        fds.sort(null);
        return fds;
    }

    /** Every USDT semaphore of the python provider in process {@code pid}, by probe name (call sites share one). */
    public static Map<String, Integer> semaphores(long pid, PythonBinary python) throws IOException {
        Map<String, Integer> values = new TreeMap<>();
        for (UsdtProbe probe : python.probes()) {
            if (probe.semaphore() != 0) {
                values.put(probe.name(), Semaphores.read(pid, python.probeBinary(), probe));
            }
        }
        return values;
    }

    /**
     * Waits until a released workload, a gated shell that execs CPython, has mapped {@code python}: its semaphores
     * exist in its memory only from then on, and the release does not wait for the exec.
     */
    public static void awaitExec(long pid, PythonBinary python) throws IOException, InterruptedException {
        Path exe = Path.of("/proc/" + pid + "/exe");
        Path wanted = python.executable().toRealPath();
        for (long until = System.nanoTime() + 30_000_000_000L; ; Thread.sleep(2)) {
            try {
                if (Files.readSymbolicLink(exe).equals(wanted)) {
                    semaphores(pid, python); // throws until the exec has mapped the binary's writable segment
                    return;
                }
            } catch (IOException e) {
                // between the exec's new image and its last mapping: try again
            }
            assertThat(System.nanoTime() - until).as("process %d exec'd %s within 30 s", pid, wanted).isNegative();
        }
    }

    public static PythonBinary debianPython() throws IOException {
        return PythonBinary.inspect(Pythons.debian());
    }

    /** A /usr/bin/python3.11 nobody traces, sleeping: a trace that attached too widely raises its semaphores. */
    public static final class Bystander implements AutoCloseable {
        private final Process process;
        private final PythonBinary python;

        private Bystander(Process process, PythonBinary python) {
            this.process = process;
            this.python = python;
        }

        public static Bystander start() throws IOException {
            PythonBinary python = debianPython();
            Process p = new ProcessBuilder(python.executable().toString(), "-c",
                    "import time; print('ready', flush=True); time.sleep(600)").redirectErrorStream(true).start();
            BufferedReader out = p.inputReader(StandardCharsets.UTF_8);
            assertThat(out.readLine()).as("the bystander python started").isEqualTo("ready");
            return new Bystander(p, python);
        }

        public long pid() {
            return process.pid();
        }

        public Map<String, Integer> semaphores() throws IOException {
            assertThat(process.isAlive()).as("the bystander still runs").isTrue();
            return Attachments.semaphores(process.pid(), python);
        }

        /** Asserts that no probe of the bystander is attached. */
        public void assertNothingAttached() throws IOException {
            Map<String, Integer> values = semaphores();
            assertThat(values).as("semaphores of the bystander python (pid %d)", pid()).isNotEmpty();
            assertThat(values.values()).as("semaphores of the bystander python (pid %d): %s", pid(), values)
                    .containsOnly(0);
        }

        @Override
        public void close() throws InterruptedException {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }
}

package dev.pybudget.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.jna.Native;
import dev.pybudget.elf.PythonBinary;
import dev.pybudget.support.Attachments.Bystander;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import dev.pybudget.support.Pythons;
import dev.pybudget.support.Attachments;

/**
 * Input the command line cannot trace: exit status 2, exactly one line on stderr that names the cause,
 * the workload never ran, and nothing stays attached (no BPF or perf fd left in this JVM, no semaphore
 * raised in a python nobody asked to trace).
 */
class BadInputTest {

    /** A workload that leaves a file behind if it ever runs: it must not, untraced. */
    private static final String WITNESS = "open('ran', 'w').write('the workload ran')\n";

    /** A CPython look-alike (named python3.11) with the probes of a dtrace build, minus function__return. */
    private static final String NO_FUNCTION_RETURN = """
            #define _SDT_HAS_SEMAPHORES 1
            #include <sys/sdt.h>
            #define SEMAPHORE(name) __extension__ unsigned short python_##name##_semaphore \\
                __attribute__((unused)) __attribute__((section(".probes")))
            SEMAPHORE(audit);
            SEMAPHORE(gc__start);
            SEMAPHORE(gc__done);
            SEMAPHORE(import__find__load__start);
            SEMAPHORE(import__find__load__done);
            SEMAPHORE(function__entry);
            SEMAPHORE(line);
            int main(int argc, char **argv) {
                const char *file = argc > 1 ? argv[1] : "-";
                STAP_PROBE3(python, function__entry, file, "main", 1);
                STAP_PROBE3(python, line, file, "main", 1);
                STAP_PROBE2(python, audit, "cpython.run_file", (void *) 0);
                STAP_PROBE1(python, gc__start, 0);
                STAP_PROBE1(python, gc__done, 0L);
                STAP_PROBE1(python, import__find__load__start, "site");
                STAP_PROBE2(python, import__find__load__done, "site", 1);
                return 0;
            }
            """;

    /**
     * A CPython look-alike whose gc__done passes a double: libbpf cannot read that argument, so gc__done
     * fails to attach after audit and gc__start were attached. Those must be detached again.
     */
    private static final String UNREADABLE_GC_DONE_ARGUMENT = """
            #define _SDT_HAS_SEMAPHORES 1
            #include <sys/sdt.h>
            #define SEMAPHORE(name) __extension__ unsigned short python_##name##_semaphore \
                __attribute__((unused)) __attribute__((section(".probes")))
            SEMAPHORE(audit);
            SEMAPHORE(gc__start);
            SEMAPHORE(gc__done);
            SEMAPHORE(import__find__load__start);
            SEMAPHORE(import__find__load__done);
            volatile double ratio = 0.5;
            int main(void) {
                double r = ratio;
                STAP_PROBE2(python, audit, "cpython.run_file", (void *) 0);
                STAP_PROBE1(python, gc__start, 0);
                STAP_PROBE1(python, gc__done, r);
                STAP_PROBE1(python, import__find__load__start, "site");
                STAP_PROBE2(python, import__find__load__done, "site", 1);
                return 0;
            }
            """;

    @TempDir
    Path tmp;

    private Path script;
    private List<String> fdsBefore;
    private Bystander bystander;

    @BeforeEach
    void setUp() throws IOException {
        script = tmp.resolve("witness.py");
        Files.writeString(script, WITNESS);
        fdsBefore = Attachments.traceFds();
        bystander = Bystander.start();
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        bystander.close();
    }

    /** pyenv's 3.6: no markers, and no internal function pybudget knows for gc or audit (audit came in 3.8). */
    @Test
    void should_refuse_a_cpython_without_usdt_notes_and_without_known_functions() throws Exception {
        Path pyenv = Path.of("/root/.pyenv/versions/3.6.15/bin/python3.6");
        if (!Files.isRegularFile(pyenv)) {
            fail(pyenv + " is missing: pyenv install 3.6.15 (a build without --with-dtrace)");
        }

        CliRun run = CliRun.run("trace", "--", pyenv.toString(), script.toString());

        assertOneSentence(run, pyenv.toRealPath() + " (CPython 3.6.15) has no USDT markers (.note.stapsdt)",
                "; and no internal function stands in for gc and audit: pybudget knows no internal function for gc in"
                        + " CPython 3.6; pybudget knows no internal function for audit in CPython 3.6 (install python3.6-dbg");
        assertNothingRanOrStayedAttached();
    }

    /** pyenv's 3.11: no markers, but its symbols serve gc and audit; imports are missing, and said so. */
    @Test
    void should_trace_gc_and_audit_of_a_cpython_without_usdt_notes_from_its_symbols() throws Exception {
        Path pyenv = pyenvPython();
        Path traced = tmp.resolve("traced.py"); // the witness would write 'ran' into the working directory
        Files.writeString(traced, "import gc, sys\ngc.collect()\nsys.audit('pybudget.test.event')\n");

        CliRun run = CliRun.run("trace", "--", pyenv.toString(), traced.toString());

        assertThat(run.status()).as("exit status; stderr: %s", run.err()).isZero();
        assertThat(run.out()).contains("pybudget.test.event");
        assertThat(run.out()).contains("probes: gc:symbol gc_collect_main audit:symbol sys_audit_tstate,sys_audit;"
                + " missing in this CPython: import__find__load__start import__find__load__done");
        assertThat(run.out()).contains("has no USDT markers (.note.stapsdt)");
    }

    @Test
    void should_refuse_a_script_that_does_not_exist() throws Exception {
        Path missing = tmp.resolve("no_such_script.py");

        CliRun run = CliRun.run("trace", "--", Pythons.debian().toString(), missing.toString());

        assertOneSentence(run, "No such file: " + missing, "the script to trace");
        assertNothingRanOrStayedAttached();
    }

    @Test
    void should_refuse_a_python_executable_that_does_not_exist() throws Exception {
        CliRun run = CliRun.run("trace", "--", "/usr/bin/python3.99", script.toString());

        assertOneSentence(run, "No such file: /usr/bin/python3.99", "the Python executable to trace");
        assertNothingRanOrStayedAttached();
    }

    @Test
    void should_refuse_call_counting_on_a_cpython_whose_markers_lack_function_return() throws Exception {
        Path fake = fakePython(NO_FUNCTION_RETURN);
        assertThat(PythonBinary.inspect(fake).probe("gc__start")).as("the fake has the other probes").isPresent();

        CliRun run = CliRun.run("trace", "--calls", "*/witness.py:*", "--", fake.toString(), script.toString());

        assertOneSentence(run, fake + " (CPython 3.11) has no USDT probe function__return",
                "CPython 3.11 and earlier define the function__entry/function__return/line probes, so this build left them out");
        assertNothingRanOrStayedAttached();
    }

    @Test
    void should_detach_the_probes_it_attached_when_a_later_one_cannot_be_attached() throws Exception {
        Path fake = fakePython(UNREADABLE_GC_DONE_ARGUMENT);

        CliRun run = CliRun.run("trace", "--", fake.toString(), script.toString());

        assertOneSentence(run, "Attaching to the USDT probe gc__done of " + fake + " failed", "unrecognized arg");
        assertNothingRanOrStayedAttached();
    }

    @Test
    void should_refuse_a_call_pattern_without_a_function_part() throws Exception {
        CliRun run = CliRun.run("trace", "--calls", "witness.py", "--", Pythons.debian().toString(), script.toString());

        assertOneSentence(run, "Malformed call pattern 'witness.py'", "FILE_GLOB:FUNCTION_GLOB");
        assertNothingRanOrStayedAttached();
    }

    @Test
    void should_refuse_a_call_pattern_with_wildcards_the_kernel_cannot_match() throws Exception {
        CliRun run = CliRun.run("trace", "--calls", "*/witness.py:parse_[ab]", "--", Pythons.debian().toString(),
                script.toString());

        assertOneSentence(run, "Malformed call pattern '*/witness.py:parse_[ab]'", "only the wildcards '*' and '?'");
        assertNothingRanOrStayedAttached();
    }

    @Test
    void should_refuse_an_unknown_option_in_one_line_with_the_usage() throws Exception {
        CliRun run = CliRun.run("trace", "--cals", "*:*", "--", Pythons.debian().toString(), script.toString());

        assertThat(run.status()).isEqualTo(2);
        assertThat(run.errLines()).hasSize(1).first().asString().startsWith("pybudget: unknown option '--cals'.")
                .endsWith(Main.USAGE);
        assertNothingRanOrStayedAttached();
    }

    @Test
    void should_refuse_an_unknown_probe_family_in_one_sentence_naming_the_optional_ones() throws Exception {
        long start = System.nanoTime();
        CliRun run = CliRun.run("trace", "--family", "kernel", "--family", "gpu", "--", Pythons.debian().toString(),
                script.toString());

        assertOneSentence(run, "Unknown probe family 'gpu': the optional families are kernel and gil.");
        assertThat(run.errLines()).containsExactly("pybudget: Unknown probe family 'gpu': the optional families are kernel"
                + " and gil.");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("said before anything starts").isLessThan(Duration.ofSeconds(5));
        assertNothingRanOrStayedAttached();
    }

    /**
     * CAP_SYS_ADMIN out of the bounding set, CAP_BPF and CAP_PERFMON kept: the programs load, the
     * uprobe is refused. The workload was started gated and must be gone without having run.
     */
    @Test
    void should_refuse_to_trace_without_cap_sys_admin_when_attaching_the_uprobes_one_per_site() throws Exception {
        ChildRun run = runWithout("cap_sys_admin", "-Dpybudget.noMultiUprobe=true");

        assertOneSentence(run.asCliRun(), "Attaching to the USDT probe", "was refused", "need CAP_SYS_ADMIN");
        assertNothingRanOrStayedAttached();
    }

    /**
     * A multi-uprobe link is a BPF link: CAP_BPF and CAP_PERFMON are enough for it, where a uprobe per site (a perf
     * event) needed CAP_SYS_ADMIN. The trace runs and reports.
     */
    @Test
    void should_trace_without_cap_sys_admin_with_multi_uprobe_links() throws Exception {
        ChildRun run = runWithout("cap_sys_admin");

        assertThat(run.status()).as("exit status; stderr: %s", run.err()).isZero();
        assertThat(run.err()).as("stderr").isEmpty();
        assertThat(run.out()).contains("probes: audit gc__start gc__done");
        assertThat(tmp.resolve("ran")).as("the workload ran").exists();
    }

    /** Without CAP_SYS_ADMIN, CAP_BPF and CAP_PERFMON the kernel refuses to load the programs at all. */
    @Test
    void should_refuse_to_trace_without_bpf_rights_when_loading_the_programs() throws Exception {
        ChildRun run = runWithout("cap_sys_admin,cap_bpf,cap_perfmon");

        assertOneSentence(run.asCliRun(), "Loading BPF programs was refused", "need CAP_SYS_ADMIN");
        assertNothingRanOrStayedAttached();
    }

    private void assertOneSentence(CliRun run, String... parts) {
        assertThat(run.status()).as("exit status; stderr: %s", run.err()).isEqualTo(2);
        assertThat(run.errLines()).as("stderr").hasSize(1);
        String line = run.errLines().get(0);
        assertThat(line).startsWith("pybudget: ").endsWith(".");
        for (String part : parts) {
            assertThat(line).contains(part);
        }
        assertThat(run.out()).as("no report when nothing was traced").isEmpty();
    }

    private void assertNothingRanOrStayedAttached() throws IOException {
        assertThat(tmp.resolve("ran")).as("the workload never ran").doesNotExist();
        assertThat(Attachments.traceFds()).as("BPF and perf fds of this JVM").isEqualTo(fdsBefore);
        bystander.assertNothingAttached();
        assertThat(ProcessHandle.current().children().filter(p -> p.pid() != bystander.pid()))
                .as("no workload left running").isEmpty();
        assertThat(processesMentioning(script.toString())).as("no process with the script in its command line").isEmpty();
    }

    /** Runs the command line in a new JVM whose capability bounding set lacks {@code caps}. */
    private ChildRun runWithout(String caps, String... jvmOptions) throws Exception {
        requireExecutable(Path.of("/usr/sbin/capsh"), "apt-get install -y libcap2-bin");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> command = new ArrayList<>(List.of("/usr/sbin/capsh", "--drop=" + caps, "--", "-c",
                "exec \"$0\" \"$@\"", java.toString()));
        command.addAll(List.of(jvmOptions));
        command.addAll(List.of("-cp", classPath(), Main.class.getName(), "trace", "--", Pythons.debian().toString(),
                script.toString()));
        Path out = tmp.resolve("child.out");
        Path err = tmp.resolve("child.err");
        Process child = new ProcessBuilder(command).directory(tmp.toFile()).redirectOutput(out.toFile())
                .redirectError(err.toFile()).start();
        if (!child.waitFor(60, TimeUnit.SECONDS)) {
            child.destroyForcibly().waitFor();
            fail("the command line without " + caps + " did not end");
        }
        return new ChildRun(child.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }

    private record ChildRun(int status, String out, String err) {
        CliRun asCliRun() {
            return new CliRun(status, out, err);
        }
    }

    /** The engine's classes and the libraries they use, as this JVM loaded them. */
    private static String classPath() throws URISyntaxException {
        List<String> entries = new ArrayList<>();
        for (Class<?> c : List.of(Main.class, Native.class, ObjectMapper.class,
                com.fasterxml.jackson.core.JsonFactory.class,
                com.fasterxml.jackson.annotation.JsonProperty.class)) {
            entries.add(Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
        }
        return String.join(":", entries);
    }

    private static List<Long> processesMentioning(String text) throws IOException {
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

    private static Path pyenvPython() throws IOException {
        Path versions = Path.of("/root/.pyenv/versions");
        if (Files.isDirectory(versions)) {
            try (Stream<Path> found = Files.list(versions)) {
                for (Path v : found.sorted().toList()) {
                    Path python = v.resolve("bin/python3.11");
                    if (Files.isRegularFile(python)) {
                        return python;
                    }
                }
            }
        }
        return fail("no pyenv CPython 3.11 under " + versions + ": pyenv install 3.11 (a build without --with-dtrace)");
    }

    /** Compiles a CPython look-alike named python3.11 (so that its version reads as 3.11). */
    private Path fakePython(String source) throws Exception {
        requireExecutable(Path.of("/usr/bin/gcc"), "apt-get install -y gcc");
        if (!Files.isRegularFile(Path.of("/usr/include/x86_64-linux-gnu/sys/sdt.h"))
                && !Files.isRegularFile(Path.of("/usr/include/sys/sdt.h"))) {
            fail("<sys/sdt.h> is missing: apt-get install -y systemtap-sdt-dev");
        }
        Path dir = Files.createDirectories(tmp.resolve("fake-cpython"));
        Path c = dir.resolve("fake.c");
        Files.writeString(c, source);
        Path binary = dir.resolve("python3.11");
        Process gcc = new ProcessBuilder("gcc", "-O2", "-o", binary.toString(), c.toString())
                .redirectErrorStream(true).start();
        String output = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!gcc.waitFor(60, TimeUnit.SECONDS) || gcc.exitValue() != 0) {
            fail("gcc could not build the fake CPython: " + output);
        }
        return binary;
    }

    private static void requireExecutable(Path file, String howToGetIt) {
        if (!Files.isExecutable(file)) {
            fail(file + " is missing: " + howToGetIt);
        }
    }
}

package dev.pybudget.engine;

import static dev.pybudget.support.CountComparisons.assertSameGc;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import dev.pybudget.recording.Losses;
import dev.pybudget.recording.Recording;
import dev.pybudget.recording.Sections;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import dev.pybudget.support.RecordedCounts;
import dev.pybudget.support.OracleRun;
import dev.pybudget.support.Oracle;
import dev.pybudget.support.LocalRuns;

/**
 * Symbol probes on pyenv's CPythons, which have no markers but a symbol table: gc and audit counted from
 * CPython's internal functions against the same in-process oracles as the markers (python-fixtures/support/oracle.py),
 * imports and calls refused with their sentence, and a stripped copy refused for every family.
 */
class SymbolProbesOracleTest {

    static final Path PYENV = Path.of("/root/.pyenv/versions");

    /** (version, the function the gc label names): 3.8's clone, 3.9's collect, 3.10-3.12, 3.13's callback: every pyenv build here. */
    static Stream<String[]> versions() {
        return Stream.of(new String[] {"3.8.18", "collect.constprop."}, new String[] {"3.9.18", "collect"},
                new String[] {"3.10.13", "gc_collect_main"},
                new String[] {"3.11.7", "gc_collect_main"}, new String[] {"3.12.1", "gc_collect_main"},
                new String[] {"3.13.0", "invoke_gc_callback.isra.0"});
    }

    static Path pyenv(String version) {
        String minor = version.substring(0, version.lastIndexOf('.'));
        Path python = PYENV.resolve(version).resolve("bin").resolve("python" + minor);
        if (!Files.isRegularFile(python)) {
            fail(python + " is missing: these tests need pyenv's CPython " + version + " (pyenv install " + version + ")");
        }
        return python;
    }

    @TempDir
    Path tmp;

    @Test
    void should_look_for_debug_files_in_the_root_the_binary_is_seen_through() {
        assertThat(Tracer.fileSystemRoot(Path.of("/proc/4242/root/usr/bin/python3.11"))).isEqualTo(Path.of("/proc/4242/root"));
        assertThat(Tracer.fileSystemRoot(Path.of("/usr/bin/python3.11"))).isEqualTo(Path.of("/"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("versions")
    void should_count_collections_per_generation_from_the_gc_function_as_gc_callbacks_do(String version, String function)
            throws Exception {
        OracleRun run = LocalRuns.traceWithOracle(pyenv(version), tmp, LocalRuns.options().withRequireProbes(false), List.of(),
                "gc_churn.py");

        assertSameGc("whole run", run.recording().gc(), run.oracle().gcStats());
        assertSameGc("window 'work'", run.window("work").gc(), run.oracle().window("work").path("gc"));
        assertThat(run.recording().gc().collections()).allSatisfy(n -> assertThat(n).isPositive());
        assertThat(run.recording().probes()).anySatisfy(p -> assertThat(p).startsWith("gc:symbol " + function));
        assertThat(run.recording().measures("gc__start")).isTrue();
        assertThat(run.recording().losses()).isEqualTo(Losses.NONE);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("versions")
    void should_count_each_audit_event_in_a_window_as_an_audit_hook_does(String version, String function) throws Exception {
        OracleRun run = LocalRuns.traceWithOracle(pyenv(version), tmp, LocalRuns.options().withRequireProbes(false), List.of(),
                "audit_io.py", "2");

        Map<String, Long> oracle = Oracle.counts(run.oracle().window("io"), "audit");
        assertThat(RecordedCounts.audit(run.window("io"))).as("audit events in window 'io', kernel vs oracle").isEqualTo(oracle);
        assertThat(oracle).containsEntry("socket.connect", 2L).containsEntry("subprocess.Popen", 2L)
                .containsEntry("pybudget.begin", 1L);
        assertThat(run.recording().probes()).anySatisfy(p -> assertThat(p).startsWith("audit:symbol "));
    }

    /**
     * Without an audit hook, sys.audit() returns before CPython's audit function: the return of sys_audit
     * counts those events, and window marks still open and close windows.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("versions")
    void should_count_python_level_audit_events_and_windows_without_any_audit_hook(String version, String function)
            throws Exception {
        Path script = tmp.resolve("no_hook.py");
        Files.writeString(script, String.join("\n",
                "import sys",
                "for i in range(7):",
                "    sys.audit('pybudget.test.event', i)",
                "sys.audit('pybudget.begin', 'marked')",
                "sys.audit('pybudget.test.event')",
                "sys.audit('pybudget.test.other', 'x', 2)",
                "sys.audit('pybudget.end', 'marked')",
                ""), StandardCharsets.UTF_8);
        Recording r = trace(pyenv(version), script);

        assertThat(r.whole().auditCount("pybudget.test.event")).isEqualTo(8);
        Sections marked = r.window("marked").orElseThrow().sections();
        assertThat(RecordedCounts.audit(marked)).isEqualTo(Map.of("pybudget.begin", 1L, "pybudget.test.event", 1L,
                "pybudget.test.other", 1L, "pybudget.end", 1L));
        assertThat(r.losses()).isEqualTo(Losses.NONE);
    }

    /** A name opened from Java and marked from Python is one window on a symbol-probed build too: counted once. */
    @Test
    void should_count_an_event_once_in_a_window_opened_from_java_and_marked_from_python() throws Exception {
        Path go = tmp.resolve("go");
        Path script = tmp.resolve("both.py");
        Files.writeString(script, String.join("\n",
                "import os, sys, time",
                "deadline = time.monotonic() + 30",
                "while not os.path.exists(" + pyString(go) + ") and time.monotonic() < deadline:",
                "    time.sleep(0.01)",
                "sys.audit('pybudget.begin', 'both')",
                "sys.audit('pybudget.test.inside')",
                "sys.audit('pybudget.end', 'both')",
                ""), StandardCharsets.UTF_8);
        ProcessBuilder workload = new ProcessBuilder(pyenv("3.12.1").toString(), script.toString()).directory(tmp.toFile());
        Recording r;
        try (Trace trace = Tracer.start(workload, LocalRuns.options().withRequireProbes(false))) {
            try (JavaWindow window = trace.openWindow("both")) {
                Files.writeString(go, "");
                r = trace.finish();
            }
        }
        assertThat(r.exitStatus()).contains(0);
        assertThat(r.windows()).extracting(w -> w.name()).containsExactly("both");
        assertThat(r.window("both").orElseThrow().sections().auditCount("pybudget.test.inside")).isEqualTo(1);
        assertThat(r.whole().auditCount("pybudget.test.inside")).isEqualTo(1);
    }

    private static String pyString(Path p) {
        return "'" + p.toString().replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    @Test
    void should_say_in_one_sentence_that_imports_and_calls_have_no_marker_and_no_function_and_count_the_rest()
            throws Exception {
        Path script = tmp.resolve("calls.py");
        Files.writeString(script, "def f():\n    return 1\nfor i in range(3):\n    f()\nimport json\n", StandardCharsets.UTF_8);
        Path python = pyenv("3.12.1");
        ProcessBuilder workload = new ProcessBuilder(python.toString(), script.toString()).directory(tmp.toFile());
        Recording r;
        // Calls asked of the probe (--calls-by usdt): this build has none.
        try (Trace trace = Tracer.start(workload, LocalRuns.options().withRequireProbes(false).withCallPattern("*:f")
                .withCallCounting(CallCounting.USDT))) {
            r = trace.finish();
        }
        assertThat(r.missingProbes()).containsExactly("import__find__load__start", "import__find__load__done",
                "function__return");
        assertThat(r.missingProbesReason()).contains(python + " (CPython 3.12.1) has no USDT markers (.note.stapsdt):"
                + " use a CPython built with --with-dtrace, such as Debian's python3.11 or the pybudget/cpython-3.11 image.");
        assertThat(r.probes()).containsExactly("gc:symbol gc_collect_main", "audit:symbol sys_audit_tstate,sys_audit");
        assertThat(r.calls()).isEmpty();
        assertThat(r.whole().importCount()).isZero();
        assertThat(r.measures("import__find__load__start")).isFalse();

        // Strict (the default), calls asked of the probe and not countable fail before anything runs.
        assertThatThrownBy(() -> Tracer.start(new ProcessBuilder(python.toString(), script.toString()),
                LocalRuns.options().withCallPattern("*:f").withCallCounting(CallCounting.USDT)))
                .isInstanceOf(TraceException.class)
                .hasMessageContaining("has no USDT markers");

        // By default (3.12+) the calls are counted inside the workload instead, strict or not.
        try (Trace trace = Tracer.start(new ProcessBuilder(python.toString(), script.toString()).directory(tmp.toFile()),
                LocalRuns.options().withCallPattern("*:f"))) {
            r = trace.finish();
        }
        assertThat(r.missingProbes()).containsExactly("import__find__load__start", "import__find__load__done");
        assertThat(r.probes()).containsExactly("gc:symbol gc_collect_main", "audit:symbol sys_audit_tstate,sys_audit",
                "calls:monitoring");
        assertThat(RecordedCounts.calls(r.whole())).isEqualTo(java.util.Map.of(script + ":f", 3L));
    }

    /**
     * A copy of pyenv's 3.11 whose libpython went through strip --strip-all, as the official python images
     * ship theirs: no marker, no .symtab, no debug file. Every family is refused in one sentence, strict or
     * lenient; nothing is counted.
     */
    @Test
    void should_refuse_every_family_of_a_stripped_libpython_in_one_sentence() throws Exception {
        Path original = pyenv("3.11.7");
        // The executable finds libpython through an absolute RUNPATH: the copy's is rewritten in place,
        // to a directory of the same length at most.
        String oldLib = "/root/.pyenv/versions/3.11.7/lib";
        Path root = Path.of("/tmp/pbs-" + Long.toHexString(System.nanoTime() & 0xffffffffL));
        Path lib = root.resolve("lib");
        Path bin = root.resolve("bin");
        Files.createDirectories(lib);
        Files.createDirectories(bin);
        try {
            byte[] exe = Files.readAllBytes(original);
            replaceOnce(exe, oldLib, lib.toString());
            Path python = bin.resolve("python3.11");
            Files.write(python, exe);
            python.toFile().setExecutable(true);
            Path libpython = lib.resolve("libpython3.11.so.1.0");
            run("strip", "--strip-all", "-o", libpython.toString(), PYENV.resolve("3.11.7/lib/libpython3.11.so.1.0").toString());

            String sentence = python + " (CPython 3.11.7) has no USDT markers (.note.stapsdt): use a CPython built with"
                    + " --with-dtrace, such as Debian's python3.11 or the pybudget/cpython-3.11 image; and no internal"
                    + " function stands in for gc and audit: it has no symbol table (.symtab) and no debug file for its"
                    + " build id (install python3.11-dbg for a Debian build, keep the symbol table of a source build,"
                    + " or use a CPython with the markers).";
            for (boolean strict : List.of(true, false)) {
                ProcessBuilder workload = new ProcessBuilder(python.toString(), "-c", "import gc; gc.collect()");
                workload.environment().put("PYTHONHOME", PYENV.resolve("3.11.7").toString());
                assertThatThrownBy(() -> Tracer.start(workload, LocalRuns.options().withRequireProbes(strict)))
                        .isInstanceOf(TraceException.class).hasMessage(sentence);
            }
        } finally {
            try (Stream<Path> files = Files.walk(root)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /**
     * The same stripped copy, with the debug file objcopy --only-keep-debug makes of the original put where
     * Debian's -dbg packages put theirs (/usr/lib/debug/.build-id/xx/yyyy.debug, named by the build id):
     * gc and audit are counted from it, exactly. The file is removed afterwards.
     */
    @Test
    void should_count_gc_and_audit_of_a_stripped_libpython_from_its_debug_file_found_by_build_id() throws Exception {
        Path original = pyenv("3.11.7");
        Path root = Path.of("/tmp/pbd-" + Long.toHexString(System.nanoTime() & 0xffffffffL));
        Path lib = root.resolve("lib");
        Path bin = root.resolve("bin");
        Files.createDirectories(lib);
        Files.createDirectories(bin);
        Path debug = null;
        boolean madeDir = false;
        try {
            byte[] exe = Files.readAllBytes(original);
            replaceOnce(exe, "/root/.pyenv/versions/3.11.7/lib", lib.toString());
            Path python = bin.resolve("python3.11");
            Files.write(python, exe);
            python.toFile().setExecutable(true);
            Path libpython = lib.resolve("libpython3.11.so.1.0");
            Path unstripped = PYENV.resolve("3.11.7/lib/libpython3.11.so.1.0");
            run("strip", "--strip-all", "-o", libpython.toString(), unstripped.toString());
            String id = dev.pybudget.elf.FunctionSymbols.buildId(dev.pybudget.elf.ElfFile.read(libpython)).orElseThrow();
            debug = dev.pybudget.elf.FunctionSymbols.debugFile(Path.of("/"), id);
            assertThat(debug).as("no debug file for this build id beforehand").doesNotExist();
            madeDir = !Files.isDirectory(debug.getParent());
            Files.createDirectories(debug.getParent());
            run("objcopy", "--only-keep-debug", unstripped.toString(), debug.toString());

            Path fixture = tmp.resolve("fixture");
            Files.createDirectories(fixture);
            // gc.get_stats(): every collection since the interpreter started, as the kernel saw them.
            Files.writeString(fixture.resolve("churn.py"), String.join("\n",
                    "import gc, os, sys",
                    "class Node:",
                    "    def __init__(self): self.me = self",
                    "for i in range(100000): Node()",
                    "gc.collect(); gc.collect(1)",
                    "sys.audit('pybudget.test.event')",
                    "stats = gc.get_stats()",
                    "print(*[s['collections'] for s in stats], sum(s['collected'] + s['uncollectable'] for s in stats), flush=True)",
                    "os._exit(0)",
                    ""), StandardCharsets.UTF_8);
            Path out = tmp.resolve("out.txt");
            ProcessBuilder workload = new ProcessBuilder(python.toString(), "churn.py").directory(fixture.toFile())
                    .redirectOutput(out.toFile());
            workload.environment().put("PYTHONHOME", PYENV.resolve("3.11.7").toString());
            Recording r;
            try (Trace trace = Tracer.start(workload, LocalRuns.options().withRequireProbes(false))) {
                r = trace.finish();
            }
            assertThat(r.exitStatus()).contains(0);
            assertThat(r.probes()).containsExactly("gc:symbol gc_collect_main (the debug file " + debug + ")",
                    "audit:symbol sys_audit_tstate,sys_audit (the debug file " + debug + ")");
            long[] oracle = java.util.Arrays.stream(Files.readString(out).trim().split(" ")).mapToLong(Long::parseLong).toArray();
            assertThat(r.gc().collections()).as("collections per generation, kernel vs gc.get_stats()")
                    .containsExactly(oracle[0], oracle[1], oracle[2]);
            assertThat(r.gc().collected()).as("objects collected + uncollectable, kernel vs gc.get_stats()").isEqualTo(oracle[3]);
            assertThat(oracle[2]).isPositive();
            assertThat(r.whole().auditCount("pybudget.test.event")).isEqualTo(1);
        } finally {
            if (debug != null) {
                Files.deleteIfExists(debug);
                if (madeDir) {
                    Files.deleteIfExists(debug.getParent());
                }
            }
            try (Stream<Path> files = Files.walk(root)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static void replaceOnce(byte[] data, String from, String to) {
        byte[] f = from.getBytes(StandardCharsets.US_ASCII);
        byte[] t = to.getBytes(StandardCharsets.US_ASCII);
        assertThat(t.length).isLessThanOrEqualTo(f.length);
        for (int i = 0; i + f.length <= data.length; i++) {
            if (java.util.Arrays.equals(data, i, i + f.length, f, 0, f.length)) {
                java.util.Arrays.fill(data, i, i + f.length, (byte) 0);
                System.arraycopy(t, 0, data, i, t.length);
                return;
            }
        }
        fail("no " + from + " in the executable");
    }

    private static void run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as("%s: %s", List.of(command), out).isZero();
    }

    private Recording trace(Path python, Path script) {
        ProcessBuilder workload = new ProcessBuilder(python.toString(), script.toString()).directory(tmp.toFile());
        try (Trace trace = Tracer.start(workload, LocalRuns.options().withRequireProbes(false))) {
            Recording r = trace.finish();
            assertThat(r.exitStatus()).contains(0);
            return r;
        }
    }
}

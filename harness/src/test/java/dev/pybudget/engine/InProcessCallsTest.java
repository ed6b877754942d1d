package dev.pybudget.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.pybudget.assertions.BudgetCheck;
import dev.pybudget.assertions.Budgets;
import dev.pybudget.assertions.RecordingScope;
import dev.pybudget.assertions.Verdict;
import dev.pybudget.recording.Losses;
import dev.pybudget.recording.Recording;
import dev.pybudget.recording.Sections;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import dev.pybudget.support.RecordedCounts;
import dev.pybudget.support.Pythons;
import dev.pybudget.support.PythonFixtures;
import dev.pybudget.support.OracleRun;
import dev.pybudget.support.Oracle;
import dev.pybudget.support.LocalRuns;

/**
 * Calls counted inside the workload (CallCounting.MONITORING) against the same oracle as the kernel's
 * counts (sys.setprofile "return" events of the fixture's code, oracle.py), and against the kernel's
 * counts where both exist (Debian's 3.11). pyenv's 3.12 and 3.13 have no markers: calls are all that
 * is counted there, and every other family is reported missing.
 */
class InProcessCallsTest {

    static final String PYENV = "/root/.pyenv/versions/";

    @TempDir
    Path tmp;

    private static TraceOptions inProcess(String pattern) {
        return LocalRuns.options().withCallPattern(pattern).withCallCounting(CallCounting.MONITORING);
    }

    private static Path pyenv(String version) {
        return Path.of(PYENV + version + "/bin/python" + version.substring(0, version.lastIndexOf('.')));
    }

    @Test
    void should_count_in_process_on_3_11_exactly_what_the_profiler_and_the_usdt_probe_count() throws Exception {
        OracleRun monitoring = LocalRuns.traceWithOracle(tmp, inProcess("*/call_parser.py:*"), "call_parser.py");
        OracleRun usdt = LocalRuns.traceWithOracle(tmp, inProcess("*/call_parser.py:*").withCallCounting(CallCounting.USDT),
                "call_parser.py");

        assertThat(monitoring.recording().probes()).contains("calls:monitoring", "gc__start", "audit")
                .doesNotContain("function__return", "calls:usdt");
        assertThat(usdt.recording().probes()).contains("function__return", "calls:usdt").doesNotContain("calls:monitoring");
        Map<String, Long> oracle = Oracle.counts(monitoring.oracle().whole(), "rawCalls");
        assertThat(RecordedCounts.calls(monitoring.recording().whole())).as("whole run, in process vs oracle").isEqualTo(oracle)
                .isEqualTo(RecordedCounts.calls(usdt.recording().whole()));
        assertThat(RecordedCounts.calls(monitoring.window("work"))).as("window 'work', in process vs oracle")
                .isEqualTo(Oracle.counts(monitoring.oracle().window("work"), "rawCalls"))
                .isEqualTo(RecordedCounts.calls(usdt.window("work")));
        assertThat(oracle).containsKeys(PythonFixtures.WORKLOADS + "/call_parser.py:tokenize",
                PythonFixtures.WORKLOADS + "/call_parser.py:parse_factor");
        assertThat(monitoring.recording().losses()).isEqualTo(Losses.NONE);
    }

    /** The calls a window counted in process replace its calls section only: its kernel context stays (it was dropped). */
    @Test
    void should_keep_the_kernel_context_of_each_scope_when_calls_are_counted_in_process() throws Exception {
        OracleRun run = LocalRuns.traceWithOracle(tmp, inProcess("*/call_parser.py:*").withKernelContext(true),
                "call_parser.py");

        assertThat(run.recording().probes()).contains("calls:monitoring");
        assertThat(run.recording().whole().calls()).isNotEmpty();
        assertThat(run.recording().whole().kernel()).as("whole run").get().matches(k -> k.syscalls() > 0, "counted syscalls");
        assertThat(run.window("work").calls()).isNotEmpty();
        assertThat(run.window("work").kernel()).as("window 'work'").isPresent();
    }

    @ParameterizedTest
    @ValueSource(strings = {"3.12.1", "3.13.0"})
    void should_count_calls_on_a_cpython_without_markers_and_say_that_the_rest_is_missing(String version) throws Exception {
        OracleRun run = LocalRuns.traceWithOracle(pyenv(version), tmp, inProcess("*/call_parser.py:*").withRequireProbes(false),
                List.of(), "call_parser.py");

        Recording r = run.recording();
        assertThat(r.python().version()).startsWith(version.substring(0, 4));
        // gc and audit from the build's symbols, calls in process; imports have neither.
        assertThat(r.probes()).contains("calls:monitoring").anyMatch(p -> p.startsWith("gc:symbol "))
                .anyMatch(p -> p.startsWith("audit:symbol "));
        assertThat(r.missingProbes()).containsExactly("import__find__load__start", "import__find__load__done");
        assertThat(RecordedCounts.calls(r.whole())).as("whole run, in process vs oracle")
                .isEqualTo(Oracle.counts(run.oracle().whole(), "rawCalls")).isNotEmpty();
        assertThat(RecordedCounts.calls(run.window("work"))).as("window 'work', in process vs oracle")
                .isEqualTo(Oracle.counts(run.oracle().window("work"), "rawCalls")).isNotEmpty();
        assertThat(r.losses()).isEqualTo(Losses.NONE);
        // Imports were not measured: an import budget says so instead of passing on a zero.
        assertThat(Budgets.importCountAtMost(RecordingScope.whole(r), 1000).verdict()).isEqualTo(Verdict.INCONCLUSIVE);
        assertThat(Budgets.callsAtMost(RecordingScope.whole(r), "*/call_parser.py:tokenize", 0).verdict())
                .isEqualTo(Verdict.FAILED);
    }

    @Test
    void hasCallsAtMost_should_pass_and_should_fail_on_3_13_with_calls_counted_in_process() throws Exception {
        OracleRun run = LocalRuns.traceWithOracle(pyenv("3.13.0"), tmp, inProcess("*/call_parser.py:parse_*"),
                List.of(), "call_parser.py", "20");
        long expr = Oracle.counts(run.oracle().window("work"), "rawCalls").get(PythonFixtures.WORKLOADS + "/call_parser.py:parse_expr");
        long term = Oracle.counts(run.oracle().window("work"), "rawCalls").get(PythonFixtures.WORKLOADS + "/call_parser.py:parse_term");

        dev.pybudget.assertions.PyBudgetAssertions.assertThat(run.recording()).window("work").calls()
                .hasCallsAtMost("*/call_parser.py:parse_expr", expr);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> dev.pybudget.assertions.PyBudgetAssertions
                        .assertThat(run.recording()).window("work").calls().hasCallsAtMost("*/call_parser.py:parse_?e??", term - 1))
                .isExactlyInstanceOf(AssertionError.class)
                .hasMessage("Expected at most " + (term - 1) + " calls of '*/call_parser.py:parse_?e??' in window 'work', but there"
                        + " were " + term + ":\n  " + term + "  " + PythonFixtures.WORKLOADS + "/call_parser.py:parse_term");
    }

    @ParameterizedTest
    @CsvSource({"3.11, windows.py", "3.13.0, windows.py", "3.11, threads_gc.py", "3.13.0, threads_gc.py"})
    void should_count_per_thread_windows_as_the_oracle_does(String version, String fixture) throws Exception {
        Path python = version.equals("3.11") ? Pythons.debian() : pyenv(version);
        String pattern = "*/" + fixture + ":*";
        OracleRun run = LocalRuns.traceWithOracle(python, tmp, inProcess(pattern).withRequireProbes(false), List.of(), fixture);

        assertThat(RecordedCounts.calls(run.recording().whole())).isEqualTo(Oracle.counts(run.oracle().whole(), "rawCalls"));
        assertThat(run.oracle().windowNames()).hasSizeGreaterThanOrEqualTo(4);
        for (String window : run.oracle().windowNames()) {
            assertThat(RecordedCounts.calls(run.window(window))).as("window '%s', in process vs oracle", window)
                    .isEqualTo(Oracle.counts(run.oracle().window(window), "rawCalls"));
        }
    }

    @ParameterizedTest
    @CsvSource({"3.11, MONITORING", "3.11, USDT", "3.13.0, MONITORING"})
    void should_end_a_threads_windows_when_it_exits(String version, CallCounting how) throws Exception {
        Path python = version.equals("3.11") ? Pythons.debian() : pyenv(version);
        Path script = Files.writeString(tmp.resolve("left.py"), """
                import sys, threading
                def f():
                    return 1
                def opener():
                    sys.audit("pybudget.begin", "left")
                    f()
                def later():
                    for _ in range(5):
                        f()
                for target in (opener, later):
                    t = threading.Thread(target=target)
                    t.start()
                    t.join()
                """);
        ProcessBuilder workload = new ProcessBuilder(python.toString(), script.toString()).directory(tmp.toFile())
                .redirectOutput(tmp.resolve("out").toFile()).redirectError(tmp.resolve("err").toFile());
        Recording r;
        try (Trace trace = Tracer.start(workload, inProcess("*/left.py:*").withCallCounting(how).withRequireProbes(false))) {
            r = trace.finish();
        }

        assertThat(r.exitStatus()).contains(0);
        assertThat(RecordedCounts.calls(section(r, "left"))).as("the window ended with its thread, the next thread is not in it")
                .isEqualTo(Map.of(script + ":f", 1L, script + ":opener", 1L));
        assertThat(RecordedCounts.calls(r.whole())).isEqualTo(Map.of(script + ":f", 6L, script + ":opener", 1L,
                script + ":later", 1L, script + ":<module>", 1L));
    }

    @ParameterizedTest
    @CsvSource({"3.11, MONITORING", "3.11, USDT", "3.13.0, MONITORING"})
    void should_count_a_call_once_in_a_window_opened_from_java_and_from_python_by_one_name(String version, CallCounting how)
            throws Exception {
        Path python = version.equals("3.11") ? Pythons.debian() : pyenv(version);
        Path script = Files.writeString(tmp.resolve("driven.py"), JavaWindowTest.DRIVEN);
        Path out = tmp.resolve("driven.out");
        Path go = tmp.resolve("go");
        ProcessBuilder workload = new ProcessBuilder(python.toString(), script.toString(), go.toString(), "2")
                .directory(tmp.toFile()).redirectOutput(out.toFile()).redirectError(tmp.resolve("driven.err").toFile());

        try (Trace trace = Tracer.start(workload, inProcess("*/driven.py:*").withCallCounting(how).withRequireProbes(false))) {
            awaitLine(out, "ready");
            // Round 0: the Python window "work" opens first, then the Java one of that name is around round 1.
            drive(go, 0, out);
            Recording second = trace.record("work", () -> drive(go, 1, out));
            assertThat(RecordedCounts.calls(section(second, "work"))).as("round 1, once")
                    .containsEntry(script + ":grow", 300L * 121).containsEntry(script + ":work", 1L);
            Files.writeString(Path.of(go + "-2"), "exit");
            Recording end = trace.finish();
            assertThat(RecordedCounts.calls(section(end, "work"))).as("both rounds, each call once")
                    .containsEntry(script + ":grow", (200L + 300L) * 121).containsEntry(script + ":work", 2L);
        }
    }

    @Test
    void should_count_each_function_under_its_own_name_when_dead_functions_names_are_reused() throws Exception {
        OracleRun run = LocalRuns.traceWithOracle(tmp, inProcess("*/generated_*.py:*"), "reused_names.py", "200");

        // The counter keeps no reference to the workload's strings: they are still freed and reused.
        assertThat(run.stdout()).containsPattern("reused=(1\\d\\d)\\b");
        Map<String, Long> oracle = Oracle.counts(run.oracle().whole(), "rawCalls");
        assertThat(oracle).hasSize(400);
        assertThat(RecordedCounts.calls(run.recording().whole())).isEqualTo(oracle);
        assertThat(RecordedCounts.calls(run.window("work"))).isEqualTo(Oracle.counts(run.oracle().window("work"), "rawCalls"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"3.11", "3.13.0"})
    void should_count_in_a_java_window_the_calls_the_sys_audit_window_around_the_same_work_counts(String version)
            throws Exception {
        Path python = version.equals("3.11") ? Pythons.debian() : pyenv(version);
        Path script = Files.writeString(tmp.resolve("driven.py"), JavaWindowTest.DRIVEN);
        Path out = tmp.resolve("driven.out");
        Path go = tmp.resolve("go");
        ProcessBuilder workload = new ProcessBuilder(python.toString(), script.toString(), go.toString(), "2")
                .directory(tmp.toFile()).redirectOutput(out.toFile()).redirectError(tmp.resolve("driven.err").toFile());

        try (Trace trace = Tracer.start(workload, inProcess("*/driven.py:*").withRequireProbes(false))) {
            awaitLine(out, "ready");
            Recording first = trace.record("java", () -> drive(go, 0, out));
            assertThat(RecordedCounts.calls(section(first, "java"))).as("round 0").isEqualTo(RecordedCounts.calls(section(first, "work")))
                    .containsEntry(script + ":grow", 200L * 121).containsEntry(script + ":work", 1L);
            try (JavaWindow ignored = trace.openWindow("java")) {
                drive(go, 1, out);
            }
            Files.writeString(Path.of(go + "-2"), "exit");
            Recording end = trace.finish();
            assertThat(end.exitStatus()).contains(0);
            assertThat(RecordedCounts.calls(section(end, "java"))).as("both rounds").isEqualTo(RecordedCounts.calls(section(end, "work")))
                    .containsEntry(script + ":grow", (200L + 300L) * 121)
                    .containsEntry(script + ":work", 2L);
        }
    }

    @Test
    void should_leave_no_directory_of_its_own_behind() throws Exception {
        Path temp = Path.of(System.getProperty("java.io.tmpdir"));
        List<Path> before = ownDirectories(temp);
        Path script = Files.writeString(tmp.resolve("two.py"), "def f():\n    return 1\nf()\nf()\n");
        ProcessBuilder workload = new ProcessBuilder(Pythons.debian().toString(), script.toString()).directory(tmp.toFile())
                .redirectOutput(tmp.resolve("out").toFile()).redirectError(tmp.resolve("err").toFile());
        try (Trace trace = Tracer.start(workload, inProcess("*/two.py:f"))) {
            assertThat(ownDirectories(temp)).as("while it traces").hasSize(before.size() + 1);
            assertThat(RecordedCounts.calls(trace.finish().whole())).isEqualTo(Map.of(script + ":f", 2L));
        }
        assertThat(ownDirectories(temp)).as("after the trace").isEqualTo(before);
    }

    private static List<Path> ownDirectories(Path temp) throws java.io.IOException {
        try (java.util.stream.Stream<Path> files = Files.list(temp)) {
            return files.filter(p -> p.getFileName().toString().matches("pybudget-calls-\\d+")).sorted().toList();
        }
    }

    @Test
    void should_say_that_calls_were_not_counted_when_python_skips_site() throws Exception {
        Path script = Files.writeString(tmp.resolve("hello.py"), "def f():\n    return 1\nf()\n");
        ProcessBuilder workload = new ProcessBuilder(Pythons.debian().toString(), "-S", script.toString())
                .directory(tmp.toFile()).redirectOutput(tmp.resolve("out").toFile()).redirectError(tmp.resolve("err").toFile());
        Recording r;
        try (Trace trace = Tracer.start(workload, inProcess("*/hello.py:*"))) {
            r = trace.finish();
        }

        assertThat(r.exitStatus()).contains(0);
        assertThat(r.probes()).doesNotContain("calls:monitoring");
        assertThat(r.missingProbes()).contains("calls:monitoring");
        assertThat(r.missingProbesReason()).hasValue("The in-process call counter never ran in the workload ("
                + Pythons.debian().toRealPath() + "): python -E, -I and -S skip the PYTHONPATH entry or the site module it is"
                + " injected with, so calls were not counted.");
        BudgetCheck check = Budgets.callsAtMost(RecordingScope.whole(r), "*/hello.py:f", 5);
        assertThat(check.verdict()).isEqualTo(Verdict.INCONCLUSIVE);
        assertThat(check.measured()).isEqualTo("no function__return probe");
        assertThat(check.failure()).hasValueSatisfying(message -> assertThat(message.create()).contains(
                "the in-process call counter did not count in this run (the recording's missingProbesReason says why),"
                        + " so calls cannot be counted"));
    }

    /** What a workload can look at to tell that something was injected: the same traced and untraced. */
    static final String INTROSPECT = """
            import os, sys
            print("path", [p for p in sys.path if "pybudget" in p])
            print("env", sorted(k for k in os.environ if "PYBUDGET" in k or k == "PYTHONPATH"))
            print("modules", sorted(m for m in ("mmap", "sitecustomize", "threading", "re") if m in sys.modules))
            if sys.version_info >= (3, 12):
                print("tools", [sys.monitoring.get_tool(i) for i in range(6)])
            import subprocess
            print("child", subprocess.run([sys.executable, "-c", "import os, sys; print(sorted(k for k in os.environ"
                  " if 'PYBUDGET' in k or k == 'PYTHONPATH'), [p for p in sys.path if 'pybudget' in p])"],
                  capture_output=True, text=True).stdout.strip())
            """;

    @ParameterizedTest
    @ValueSource(strings = {"3.11", "3.13.0"})
    void should_leave_nothing_the_workload_can_see_but_its_cost(String version) throws Exception {
        Path python = version.equals("3.11") ? Pythons.debian() : pyenv(version);
        Path script = Files.writeString(tmp.resolve("introspect.py"), INTROSPECT);
        Path untraced = tmp.resolve("untraced.out");
        Process plain = new ProcessBuilder(python.toString(), script.toString()).directory(tmp.toFile())
                .redirectOutput(untraced.toFile()).redirectErrorStream(true).start();
        assertThat(plain.waitFor()).isZero();
        Path traced = tmp.resolve("traced.out");
        ProcessBuilder workload = new ProcessBuilder(python.toString(), script.toString()).directory(tmp.toFile())
                .redirectOutput(traced.toFile()).redirectError(traced.toFile());
        Recording r;
        try (Trace trace = Tracer.start(workload, inProcess("*/introspect.py:*").withRequireProbes(false))) {
            r = trace.finish();
        }

        assertThat(r.exitStatus()).contains(0);
        assertThat(r.probes()).contains("calls:monitoring");
        String expected = Files.readString(untraced, StandardCharsets.UTF_8);
        assertThat(expected).contains("child [] []");
        // What it can see, as docs/performance.md says: on 3.12+ the tool id it holds.
        expected = expected.replace("tools [None, None, None, None, None, None]", "tools [None, None, None, None, 'pybudget', None]");
        assertThat(Files.readString(traced, StandardCharsets.UTF_8)).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource({"/usr/bin/python3.11, *:f, calls:usdt", "/usr/bin/python3.11, *:*, calls:usdt",
            "/root/.pyenv/versions/3.13.0/bin/python3.13, *:f, calls:monitoring",
            "/root/.pyenv/versions/3.13.0/bin/python3.13, *:*, calls:monitoring"})
    void should_count_calls_the_cheaper_way_for_the_pattern(String python, String functions, String counted) throws Exception {
        Path script = Files.writeString(tmp.resolve("one.py"), "def f():\n    return 1\nf()\nf()\n");
        ProcessBuilder workload = new ProcessBuilder(python, script.toString()).directory(tmp.toFile())
                .redirectOutput(tmp.resolve("out").toFile()).redirectError(tmp.resolve("err").toFile());
        Recording r;
        try (Trace trace = Tracer.start(workload, LocalRuns.options().withCallPattern("*/one.py:" + functions.substring(2))
                .withRequireProbes(false))) {
            r = trace.finish();
        }

        assertThat(r.probes()).contains(counted).doesNotContain(counted.equals("calls:usdt") ? "calls:monitoring" : "calls:usdt");
        assertThat(RecordedCounts.calls(r.whole())).containsEntry(script + ":f", 2L);
    }

    @ParameterizedTest
    @ValueSource(strings = {"3.11", "3.13.0"})
    void should_not_count_the_calls_of_a_forked_child_as_the_probe_does_not(String version) throws Exception {
        Path python = version.equals("3.11") ? Pythons.debian() : pyenv(version);
        Path script = Files.writeString(tmp.resolve("forky.py"), """
                import os
                def f():
                    return 1
                def g():
                    return 2
                pid = os.fork()
                if pid == 0:
                    for _ in range(1000):
                        g()
                    os._exit(0)
                os.waitpid(pid, 0)
                for _ in range(10):
                    f()
                g()
                """);
        ProcessBuilder workload = new ProcessBuilder(python.toString(), script.toString()).directory(tmp.toFile())
                .redirectOutput(tmp.resolve("out").toFile()).redirectError(tmp.resolve("err").toFile());
        Recording r;
        try (Trace trace = Tracer.start(workload, inProcess("*/forky.py:*").withRequireProbes(false))) {
            r = trace.finish();
        }

        // The child saw g first: had it named it in the parent's file, g's id would name f there.
        assertThat(r.exitStatus()).contains(0);
        assertThat(RecordedCounts.calls(r.whole())).isEqualTo(Map.of(script + ":f", 10L, script + ":g", 1L, script + ":<module>", 1L));
    }

    @Test
    void should_say_that_calls_were_not_counted_when_the_workload_takes_sys_settrace_on_3_11() throws Exception {
        Path script = Files.writeString(tmp.resolve("debugged.py"), """
                import sys
                def f():
                    return 1
                f()
                sys.settrace(lambda frame, event, arg: None)
                f()
                """);
        ProcessBuilder workload = new ProcessBuilder(Pythons.debian().toString(), script.toString()).directory(tmp.toFile())
                .redirectOutput(tmp.resolve("out").toFile()).redirectError(tmp.resolve("err").toFile());
        Recording r;
        try (Trace trace = Tracer.start(workload, inProcess("*/debugged.py:f"))) {
            r = trace.finish();
        }

        assertThat(r.exitStatus()).contains(0);
        assertThat(r.missingProbes()).containsExactly("calls:monitoring");
        assertThat(r.missingProbesReason()).hasValue("The in-process call counter could not count calls in the workload ("
                + Pythons.debian().toRealPath() + "): the workload called sys.settrace (a debugger or a coverage tool?),"
                + " which replaces the counter's hook on CPython 3.11, so calls after it were not counted; count them with"
                + " the USDT probe (--calls-by usdt).");
        BudgetCheck check = Budgets.callsAtMost(RecordingScope.whole(r), "*/debugged.py:f", 5);
        assertThat(check.verdict()).isEqualTo(Verdict.INCONCLUSIVE);
    }

    private static Sections section(Recording r, String window) {
        return r.window(window).orElseGet(() -> fail("no window '" + window + "' in " + r.windows())).sections();
    }

    private static void drive(Path go, int round, Path out) {
        try {
            Files.writeString(Path.of(go + "-" + round), "go");
            awaitLine(out, "done " + round);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void awaitLine(Path file, String line) throws java.io.IOException {
        long deadline = System.nanoTime() + LocalRuns.TIMEOUT.toNanos();
        while (!Files.readString(file, StandardCharsets.UTF_8).lines().toList().contains(line)) {
            if (System.nanoTime() > deadline) {
                fail("the workload never printed '" + line + "'");
            }
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }
}

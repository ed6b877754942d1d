package dev.pybudget.bench;

import dev.pybudget.engine.CallCounting;
import dev.pybudget.engine.Trace;
import dev.pybudget.engine.TraceOptions;
import dev.pybudget.engine.Tracer;
import dev.pybudget.recording.Recording;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a call costs under each way of counting calls, for a function the pattern names and for one
 * it does not (python-fixtures/workloads/bench/call_cost.py, pattern '*}{@code /call_cost.py:matched'), against
 * cProfile and untraced, per CPython: Debian's 3.11 (both ways) and pyenv's 3.12 and 3.13 (in process
 * only: no markers). Repetitions interleaved; medians of (traced - untraced) / calls, in thread CPU
 * time. Not a test: {@code bash ci/benchmark.sh --only callsby}, or this class's main.
 */
final class CallCountingBench {

    static final String PATTERN = "*/call_cost.py:matched";
    static final List<String> PYTHONS = List.of("/usr/bin/python3.11", "/root/.pyenv/versions/3.12.1/bin/python3.12",
            "/root/.pyenv/versions/3.13.0/bin/python3.13");

    private CallCountingBench() {}

    public static void main(String[] args) throws Exception {
        Path bench = Path.of(args.length > 0 ? args[0] : "python-fixtures/workloads/bench").toAbsolutePath();
        int reps = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        rows(bench, reps, 200_000).forEach(System.out::println);
        System.out.println();
        wholeProgram(bench.getParent(), reps, 20_000).forEach(System.out::println);
        System.exit(0);
    }

    /** The table, as Markdown lines. */
    static List<String> rows(Path bench, int reps, int calls) throws Exception {
        List<String> lines = new ArrayList<>();
        lines.add("| CPython | counted by | matched call: ns added | unmatched call: ns added | unmatched loop vs untraced |");
        lines.add("|---|---|---|---|---|");
        for (String python : PYTHONS) {
            if (!Files.isExecutable(Path.of(python))) {
                lines.add("| " + python + " | (missing) | | | |");
                continue;
            }
            Map<String, List<Map<String, Long>>> runs = new LinkedHashMap<>();
            List<String> tools = new ArrayList<>(List.of("untraced", "cProfile", "in process (monitoring)"));
            if (python.endsWith("3.11")) {
                tools.add("kernel (usdt)");
            }
            for (int i = 0; i < reps; i++) {
                for (String tool : tools) {
                    runs.computeIfAbsent(tool, t -> new ArrayList<>()).add(run(bench, python, tool, calls));
                }
            }
            List<Map<String, Long>> untraced = runs.get("untraced");
            double base = Stats.of(perCall(untraced, untraced, "unmatched", calls, false)).median();
            for (String tool : tools.subList(1, tools.size())) {
                List<Map<String, Long>> traced = runs.get(tool);
                lines.add(String.format(Locale.ROOT, "| %s | %s | %.0f | %.0f | %.2fx |", version(python), tool,
                        Stats.of(perCall(traced, untraced, "matched", calls, true)).median(),
                        Stats.of(perCall(traced, untraced, "unmatched", calls, true)).median(),
                        Stats.of(ratios(traced, untraced, "unmatched")).median()));
            }
            lines.add(String.format(Locale.ROOT, "| %s | untraced | (a call: %.0f ns) | | 1.00x |", version(python), base));
        }
        return lines;
    }

    /**
     * A whole program: call_parser.py (a parser, many small functions, generators, exceptions) parsing
     * {@code expressions} expressions, with a pattern that names one function it never calls; wall time
     * from start to exit, traced / untraced, medians of paired repetitions.
     */
    static List<String> wholeProgram(Path fixtures, int reps, int expressions) throws Exception {
        List<String> lines = new ArrayList<>();
        lines.add("| CPython | counted by | call_parser.py " + expressions + ", pattern naming one uncalled function: time vs untraced |");
        lines.add("|---|---|---|");
        for (String python : PYTHONS) {
            if (!Files.isExecutable(Path.of(python))) {
                continue;
            }
            List<CallCounting> ways = python.endsWith("3.11") ? List.of(CallCounting.USDT, CallCounting.MONITORING)
                    : List.of(CallCounting.MONITORING);
            Map<CallCounting, List<Double>> ratios = new LinkedHashMap<>();
            for (int i = 0; i < reps; i++) {
                ProcessBuilder untraced = program(fixtures, python, expressions);
                long t0 = System.nanoTime();
                if (untraced.start().waitFor() != 0) {
                    throw new IllegalStateException("call_parser.py failed under " + python);
                }
                long plain = System.nanoTime() - t0;
                for (CallCounting how : ways) {
                    TraceOptions options = TraceOptions.defaults().withCallPattern("*/call_parser.py:never_called")
                            .withCallCounting(how).withRequireProbes(false);
                    long t1 = System.nanoTime();
                    try (Trace trace = Tracer.start(program(fixtures, python, expressions), options)) {
                        if (!trace.finish().exitStatus().equals(java.util.Optional.of(0))) {
                            throw new IllegalStateException("call_parser.py failed traced under " + python);
                        }
                    }
                    ratios.computeIfAbsent(how, h -> new ArrayList<>()).add((System.nanoTime() - t1) / (double) plain);
                }
            }
            ratios.forEach((how, r) -> lines.add(String.format(Locale.ROOT, "| %s | %s | %.2fx |", version(python),
                    how.label(), Stats.of(r).median())));
        }
        return lines;
    }

    private static ProcessBuilder program(Path fixtures, String python, int expressions) {
        return new ProcessBuilder(python, "call_parser.py", Integer.toString(expressions)).directory(fixtures.toFile())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD);
    }

    private static String version(String python) {
        return python.replaceAll(".*/versions/([0-9.]+)/.*", "$1 (pyenv)").replaceAll("^/usr/bin/python", "");
    }

    /** traced / untraced loop time, per repetition. */
    private static List<Double> ratios(List<Map<String, Long>> traced, List<Map<String, Long>> untraced, String key) {
        List<Double> v = new ArrayList<>();
        for (int i = 0; i < traced.size(); i++) {
            v.add(traced.get(i).get(key) / (double) untraced.get(i).get(key));
        }
        return v;
    }

    /** ns per call: traced minus untraced (added) or traced alone, per repetition. */
    private static List<Double> perCall(List<Map<String, Long>> traced, List<Map<String, Long>> untraced, String key,
                                        int calls, boolean added) {
        List<Double> v = new ArrayList<>();
        for (int i = 0; i < traced.size(); i++) {
            long t = traced.get(i).get(key);
            v.add((added ? t - untraced.get(i).get(key) : t) / (double) calls);
        }
        return v;
    }

    private static Map<String, Long> run(Path bench, String python, String tool, int calls) throws Exception {
        Path out = Tool.tempFile("calls-" + tool.replaceAll("\\W", ""));
        List<String> command = new ArrayList<>(List.of(python));
        if (tool.equals("cProfile")) {
            command.addAll(List.of("-m", "cProfile", "-o", "/dev/null"));
        }
        command.addAll(List.of("call_cost.py", Integer.toString(calls)));
        ProcessBuilder pb = new ProcessBuilder(command).directory(bench.toFile()).redirectOutput(out.toFile())
                .redirectErrorStream(true);
        if (tool.startsWith("untraced") || tool.equals("cProfile")) {
            Process p = pb.start();
            if (p.waitFor() != 0) {
                throw new IllegalStateException(tool + " failed: " + Run.read(out));
            }
        } else {
            CallCounting how = tool.contains("usdt") ? CallCounting.USDT : CallCounting.MONITORING;
            TraceOptions options = TraceOptions.defaults().withCallPattern(PATTERN).withCallCounting(how).withRequireProbes(false);
            Recording r;
            try (Trace trace = Tracer.start(pb, options)) {
                r = trace.finish();
            }
            long counted = r.whole().calls().stream().filter(c -> c.function().equals("matched")).mapToLong(c -> c.count()).sum();
            if (counted != 3L * calls) {
                throw new IllegalStateException(tool + " counted " + counted + " calls of matched(), not " + 3 * calls);
            }
        }
        Map<String, Long> marks = Run.marks(Run.read(out));
        if (!marks.containsKey("matched") || !marks.containsKey("unmatched")) {
            throw new IllegalStateException(tool + " printed no marks: " + Run.read(out));
        }
        return marks;
    }
}

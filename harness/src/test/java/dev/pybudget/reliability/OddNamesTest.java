package dev.pybudget.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pybudget.container.PythonImage;
import dev.pybudget.container.PythonWorkloadContainer;
import dev.pybudget.recording.CallCount;
import dev.pybudget.recording.ImportNode;
import dev.pybudget.recording.Losses;
import dev.pybudget.recording.Recording;
import dev.pybudget.recording.Sections;
import dev.pybudget.recording.Window;
import dev.pybudget.report.JsonReport;
import dev.pybudget.report.TextReport;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import dev.pybudget.support.Pythons;
import dev.pybudget.support.PythonFixtures;
import dev.pybudget.support.LocalRuns;

/**
 * odd_names.py: names past the kernel's buffers, non-ASCII, with quotes and control characters,
 * empty, and not encodable as UTF-8. Each is recorded whole, or cut with a "…" at a character
 * boundary, or (not UTF-8) as "<not UTF-8>" and counted; the JSON report carries them all, and
 * the agent in a container serves them like any other.
 */
class OddNamesTest {

    static final String FIXTURE = "reliability/odd_names.py";
    static final String LONG_MODULE = "long_" + "m".repeat(195);
    static final String UNICODE_MODULE = "modulé_名前";
    static final String LONG_FUNCTION = "f_" + "x".repeat(298);
    static final String QUOTED_FUNCTION = "we\"ird\\na\tme\u0001";
    static final String LONG_AUDIT = "ev." + "a".repeat(97);
    static final String QUOTED_AUDIT = "a\nb\"c\\d";
    static final String UNENCODABLE = "<not UTF-8>";

    @TempDir
    Path tmp;

    @Test
    void should_record_odd_names_cut_or_whole_and_count_the_ones_cpython_cannot_encode() throws Exception {
        Recording r;
        String out;
        try (LocalRuns.Run run = LocalRuns.start(tmp, LocalRuns.options().withCallPattern("*:*"), FIXTURE)) {
            r = run.trace().finish();
            out = run.out();
        }
        assertThat(r.exitStatus()).contains(0);

        // Only the names CPython cannot encode fail, and only because the probes are on (CPython 3.11's bug).
        Map<String, String> cases = cases(out);
        assertThat(cases).hasSize(21);
        cases.forEach((name, outcome) -> assertThat(outcome).as("case %s", name)
                .isEqualTo(name.startsWith("surrogate") ? "SystemError" : "ok"));
        Process untraced = new ProcessBuilder(Pythons.debian().toString(), PythonFixtures.workload(FIXTURE).toString()).start();
        String untracedOut = new String(untraced.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(untraced.waitFor()).isZero();
        assertThat(cases(untracedOut).values()).as("untraced, every case is ok").containsOnly("ok");

        Sections whole = r.whole();
        List<String> modules = whole.allImports().stream().map(ImportNode::module).toList();
        assertThat(modules).contains(cut(LONG_MODULE, 128), UNICODE_MODULE, UNENCODABLE);
        assertThat(modules.stream().filter(m -> m.startsWith("pkg_"))).as("three packages and a module, cut past 127 bytes")
                .hasSize(4).allSatisfy(m -> assertThat(bytes(m)).isLessThanOrEqualTo(127 + bytes("…")))
                .filteredOn(m -> m.endsWith("…")).hasSize(2);
        assertThat(whole.allImports().stream().filter(i -> i.module().equals(UNENCODABLE)).findFirst().orElseThrow().found())
                .as("the surrogate module's import failed in the workload").isFalse();

        String script = PythonFixtures.workload(FIXTURE).toString();
        assertThat(whole.calls(script, cut(LONG_FUNCTION, 64))).isEqualTo(3);
        assertThat(whole.calls(script, "función_名前")).isEqualTo(3);
        assertThat(whole.calls(script, QUOTED_FUNCTION)).isEqualTo(3);
        assertThat(whole.calls(script, "")).as("the function named ''").isEqualTo(3);
        assertThat(whole.calls(cut("/" + "d".repeat(300) + "/long_file.py", 256), "in_long_file")).isEqualTo(3);
        assertThat(whole.calls("/tmp/fichier_é名.py", "in_unicode_file")).isEqualTo(3);
        assertThat(whole.calls(UNENCODABLE, "in_bad_file")).as("a file name CPython cannot encode").isPositive();
        assertThat(whole.calls().stream().filter(c -> c.function().equals(UNENCODABLE)).mapToLong(CallCount::count).sum())
                .as("a function name CPython cannot encode").isPositive();

        assertThat(whole.auditCount(cut(LONG_AUDIT, 64))).isEqualTo(1);
        assertThat(whole.auditCount("événement.名前")).isEqualTo(1);
        assertThat(whole.auditCount(QUOTED_AUDIT)).isEqualTo(1);
        assertThat(whole.auditCount("")).as("the audit event named ''").isEqualTo(1);

        Map<String, Long> inside = r.windows().stream().collect(Collectors.toMap(Window::name,
                w -> w.sections().auditCount("odd.inside"), Long::sum, TreeMap::new));
        assertThat(inside).as("odd.inside per window").containsExactlyInAnyOrderEntriesOf(Map.of(
                cut("w".repeat(70) + "-first", 64), 2L, // two names that share their first 63 bytes share a window
                "fenêtre", 1L, // a latin-1 str: CPython keeps no UTF-8 copy, the kernel encodes it
                "名前", 1L, // a UCS-2 str, likewise
                "", 1L,
                "q\"u\\o\nte", 1L));

        assertThat(r.losses().unencodableNames()).as("probe hits with a name CPython passed as NULL").isGreaterThanOrEqualTo(3);
        assertThat(r.losses()).as("nothing else lost: %s", r.losses())
                .isEqualTo(new Losses(0, 0, 0, 0, 0, 0, 0, 0, 0, r.losses().unencodableNames()));

        Recording parsed = JsonReport.parse(JsonReport.toString(r));
        assertThat(parsed.windows()).isEqualTo(r.windows());
        assertThat(parsed.whole().calls()).isEqualTo(r.whole().calls());
        assertThat(parsed.whole().audit()).isEqualTo(r.whole().audit());
        assertThat(parsed.whole().imports()).isEqualTo(r.whole().imports());
        assertThat(parsed.losses()).isEqualTo(r.losses());
        assertThat(TextReport.render(r)).contains("names CPython could not encode as UTF-8: " + r.losses().unencodableNames());
    }

    @Test
    void should_serve_odd_names_from_a_container_and_keep_serving() {
        try (PythonWorkloadContainer app = new PythonWorkloadContainer(PythonImage.CPYTHON_3_11)
                .withFixture(PythonFixtures.workload(FIXTURE).toString()).withCommand("python3", "odd_names.py").withCallPattern("*:*")) {
            app.start();
            Recording r = app.awaitExit(Duration.ofSeconds(60));

            assertThat(r.exitStatus()).contains(0);
            assertThat(r.windows()).extracting(Window::name).contains("fenêtre", "名前", "", "q\"u\\o\nte");
            assertThat(r.whole().allImports()).extracting(ImportNode::module).contains(UNICODE_MODULE, UNENCODABLE);
            assertThat(r.whole().calls("/workload/odd_names.py", QUOTED_FUNCTION)).isEqualTo(3);
            assertThat(r.whole().auditCount(QUOTED_AUDIT)).isEqualTo(1);
            assertThat(r.losses().unencodableNames()).isGreaterThanOrEqualTo(3);
            assertThat(app.snapshot()).as("the agent still serves").isEqualTo(r);
            assertThat(app.getAgentContainer().isRunning()).as("the agent outlives the workload").isTrue();
            assertThat(app.isRunning()).as("the workload's container ends with its CPython").isFalse();
        }
    }

    @Test
    void should_read_non_ascii_window_names_on_cpython_3_13_too() {
        // 3.12 changed the str layout (no wstr): the characters of a compact str sit 16 bytes earlier.
        try (PythonWorkloadContainer app = new PythonWorkloadContainer(PythonImage.CPYTHON_3_13)
                .withFixture(PythonFixtures.workload(FIXTURE).toString()).withCommand("python3", "odd_names.py")) {
            app.start();
            Recording r = app.awaitExit(Duration.ofSeconds(60));

            assertThat(r.python().version()).startsWith("3.13");
            assertThat(r.exitStatus()).contains(0);
            Map<String, Long> inside = r.windows().stream().collect(Collectors.toMap(Window::name,
                    w -> w.sections().auditCount("odd.inside"), Long::sum, TreeMap::new));
            assertThat(inside).containsExactlyInAnyOrderEntriesOf(Map.of(cut("w".repeat(70) + "-first", 64), 2L,
                    "fenêtre", 1L, "名前", 1L, "", 1L, "q\"u\\o\nte", 1L));
            assertThat(r.whole().allImports()).extracting(ImportNode::module).contains(UNICODE_MODULE, UNENCODABLE);
            assertThat(r.whole().auditCount("événement.名前")).isEqualTo(1);
            assertThat(r.losses().windowNames()).isZero();
            assertThat(app.getWorkloadOutput()).contains("case unicode module: ok", "case latin-1 window: ok",
                    "case surrogate function: ok", // 3.13 has no call probes
                    "case surrogate module: SystemError"); // its import probe has the same CPython bug as 3.11's
            assertThat(r.losses().unencodableNames()).isEqualTo(1);
        }
    }

    /** name as the kernel's buffer of {@code capacity} bytes keeps it: at most capacity - 1 bytes, then "…". */
    static String cut(String name, int capacity) {
        byte[] b = name.getBytes(StandardCharsets.UTF_8);
        return b.length < capacity - 1 ? name : new String(b, 0, capacity - 1, StandardCharsets.UTF_8) + "…";
    }

    static int bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    static Map<String, String> cases(String out) {
        Map<String, String> cases = new TreeMap<>();
        out.lines().filter(l -> l.startsWith("case ")).forEach(l -> cases.put(l.substring(5, l.indexOf(": ")),
                l.substring(l.indexOf(": ") + 2)));
        return cases;
    }
}

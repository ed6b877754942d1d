package dev.pybudget.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pybudget.recording.AuditCount;
import dev.pybudget.recording.CallCount;
import dev.pybudget.recording.GcStats;
import dev.pybudget.recording.ImportNode;
import dev.pybudget.recording.Losses;
import dev.pybudget.recording.PauseStats;
import dev.pybudget.recording.PythonInfo;
import dev.pybudget.recording.Recording;
import dev.pybudget.recording.Sections;
import dev.pybudget.recording.Window;
import dev.pybudget.recording.WindowSpan;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The HTML report's file and its embedded data, without a browser (HtmlReportBrowserTest opens it in one). */
class HtmlReportTest {

    @TempDir
    Path dir;

    static Recording hostile() {
        List<ImportNode> imports = List.of(new ImportNode("</script><script>alert(1)</script>", true, 10, 1_000, 7,
                List.of(new ImportNode("a<!--b", false, 20, 500, 7, List.of()))));
        Sections whole = new Sections(new GcStats(List.of(1L, 0L, 0L), 3, PauseStats.fromHistogram(900, 900,
                Collections.nCopies(40, 0L))), 2, imports, List.of(new CallCount("/srv/app/server.py", "handle", 4),
                new CallCount("/usr/lib/python3.11/http/server.py", "handle", 4)), List.of(new AuditCount("x\u2028y", 1)),
                List.of());
        return new Recording(new PythonInfo("/usr/bin/python3.11", "3.11.2", 7), List.of("audit"), List.of(), 5_000, whole, 0,
                Losses.NONE, List.of(new Window("req&\"uest", whole, 0, List.of(new WindowSpan(7, 10, 900, false),
                        new WindowSpan(WindowSpan.PROCESS, 5, 990, true)))), Optional.of(0), Optional.of("*/server.py:*"),
                Optional.empty());
    }

    /** A part of a trace, as Recording.since gives it: times of the whole trace (3 s in), 100 ms long. */
    static Recording partOfATrace() {
        Sections nothing = new Sections(new GcStats(List.of(0L, 0L, 0L), 0, PauseStats.fromHistogram(0, 0,
                Collections.nCopies(40, 0L))), 0, List.of(), List.of(), List.of(), List.of());
        return new Recording(new PythonInfo("/usr/bin/python3.11", "3.11.2", 7), List.of("audit"), List.of(), 100_000_000,
                nothing, 0, Losses.NONE, List.of(new Window("half", nothing, 0,
                        List.of(new WindowSpan(WindowSpan.PROCESS, 3_050_000_000L, 50_000_000, false)))), Optional.empty());
    }

    @Test
    void the_embedded_recording_should_hold_no_markup_and_read_back_as_the_json_report() throws Exception {
        Recording r = hostile();
        String html = HtmlReport.render(r, List.of(), "t");
        String embedded = html.substring(html.indexOf("id=\"pybudget-recording\">") + "id=\"pybudget-recording\">".length());
        embedded = embedded.substring(0, embedded.indexOf("</script>"));

        assertThat(embedded).doesNotContain("<").doesNotContain("\u2028");
        assertThat(new ObjectMapper().readTree(embedded).toString()).isEqualTo(JsonReport.toJson(r).toString());
        // Nothing is fetched: no external script, style, image or font, no request from the script (the SVG
        // namespace is the only URL, a name, never loaded).
        assertThat(html.replace("http://www.w3.org/2000/svg", "")).doesNotContain("http://").doesNotContain("https://")
                .doesNotContain("<link").doesNotContain("src=").doesNotContain("url(").doesNotContain("fetch(")
                .doesNotContain("XMLHttpRequest").doesNotContain("@import");
    }

    @Test
    void spans_and_the_matched_functions_should_survive_the_json_report() throws Exception {
        Recording back = JsonReport.parse(JsonReport.toString(hostile()));

        assertThat(back.windows().get(0).spans()).containsExactly(new WindowSpan(7, 10, 900, false),
                new WindowSpan(WindowSpan.PROCESS, 5, 990, true));
        assertThat(back.callPatternMatched()).containsExactly("/srv/app/server.py:handle",
                "/usr/lib/python3.11/http/server.py:handle");
        assertThat(JsonReport.toJson(back).path("callPatternMatched").toString())
                .isEqualTo("[\"/srv/app/server.py:handle\",\"/usr/lib/python3.11/http/server.py:handle\"]");
    }

    @Test
    void reports_and_the_index_should_be_readable_by_all_and_the_index_should_list_only_reports_with_their_json()
            throws Exception {
        Recording r = hostile();
        JsonReport.write(r, dir.resolve("A-test.json"));
        HtmlReport.write(r, HtmlReport.besideJson(dir.resolve("A-test.json")));
        HtmlReport.write(r, dir.resolve("no-json.html"));

        for (String name : List.of("A-test.html", "no-json.html", HtmlReport.INDEX)) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(name)))).as(name)
                    .isEqualTo("rw-r--r--");
        }
        String index = Files.readString(dir.resolve(HtmlReport.INDEX));
        assertThat(index).contains("data-report=\"A-test\"").contains("href=\"A-test.html\"").doesNotContain("no-json");
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".tmp"));
        }
    }

    @Test
    void the_text_report_should_list_what_the_call_pattern_matched_per_file() {
        assertThat(TextReport.render(hostile())).contains("call pattern '*/server.py:*' matched 2 functions in 2 files:\n"
                + "  /srv/app/server.py: handle\n  /usr/lib/python3.11/http/server.py: handle\n");
    }
}

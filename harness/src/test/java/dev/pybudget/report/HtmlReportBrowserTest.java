package dev.pybudget.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pybudget.assertions.Verdict;
import dev.pybudget.engine.TraceOptions;
import dev.pybudget.recording.ImportNode;
import dev.pybudget.recording.Recording;
import dev.pybudget.recording.Window;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import dev.pybudget.support.LocalRuns;

/**
 * The HTML reports of real recordings, opened in a real browser (Debian's chromium, headless): the page's
 * script runs without an error, every import of the tree and every window is in the DOM, and the screenshot
 * shows the charts. The reports and their screenshots stay in target/pybudget-html/ as artifacts.
 */
class HtmlReportBrowserTest {

    static final Path OUT = Path.of("target", "pybudget-html").toAbsolutePath();
    private static final Pattern MODULE = Pattern.compile("data-module=\"([^\"]*)\"");

    @BeforeAll
    static void clean() throws IOException {
        Files.createDirectories(OUT);
    }

    private static Recording lazyImport() {
        return LocalRuns.shared(TraceOptions.defaults().withStreamAudit(true), "lazy_import/app.py").recording();
    }

    private static Recording windows() {
        return LocalRuns.shared(TraceOptions.defaults().withStreamAudit(true).withCallPattern("*/windows.py:*"), "windows.py")
                .recording();
    }

    @Test
    void should_draw_every_import_of_the_tree_without_a_script_error() throws Exception {
        Recording r = lazyImport();
        assertThat(r.lostEvents()).isZero();
        Path html = OUT.resolve("lazy_import.html");
        HtmlReport.write(r, html, List.of(new HtmlReport.Budget("LazyImport.firstRequest", "no imports in window 'request'",
                Verdict.FAILED, "12 imports")));

        Chromium.Page page = Chromium.load(html, OUT);

        assertThat(page.console()).as("console of %s", html).isEmpty();
        assertThat(page.dom()).contains("data-rendered=\"true\"");
        // The whole run's icicle holds every node of the tree once: compare the multiset of modules.
        String whole = icicle(page.dom(), "icicle-whole");
        List<String> drawn = modules(whole);
        List<String> recorded = r.whole().allImports().stream().map(ImportNode::module).toList();
        assertThat(drawn).containsExactlyInAnyOrderElementsOf(recorded);
        assertThat(drawn).hasSize((int) r.whole().importCount()).contains("email.mime.text");
        assertThat(page.dom()).contains("data-verdict=\"failed\"").contains("no imports in window 'request'");
        for (Window w : r.windows()) {
            assertThat(page.dom()).contains("data-window=\"" + w.name() + "\"");
        }
        screenshot(html, "lazy_import.png", 2000, 3);
    }

    @Test
    void should_draw_windows_on_the_timeline_and_the_calls_and_gc_of_each() throws Exception {
        Recording r = windows();
        Path html = OUT.resolve("windows.html");
        HtmlReport.write(r, html);

        Chromium.Page page = Chromium.load(html, OUT);

        assertThat(page.console()).as("console of %s", html).isEmpty();
        // One timeline bar per time a window was open, on its thread's lane.
        String timeline = between(page.dom(), "<svg class=\"timeline\"", "</svg>");
        for (Window w : r.windows()) {
            assertThat(count(timeline, "data-window=\"" + w.name() + "\"")).as("bars of window %s", w.name())
                    .isEqualTo(w.spans().size());
        }
        assertThat(r.window("item").orElseThrow().spans()).hasSize(3);
        // The calls the pattern counted, and what it matched.
        assertThat(page.dom()).contains("checksum").contains("id=\"call-pattern-matched\"");
        assertThat(page.dom()).contains("data-budgets=\"0\"").contains("No budget verdict was handed to this report");
        // The pause histogram: one bar per log2 bucket from below the first to above the last pause.
        assertThat(page.dom()).contains("data-bucket=");
        screenshot(html, "windows.png", 2000, 3);
    }

    @Test
    void the_timeline_of_part_of_a_trace_should_show_that_part_only() throws Exception {
        // What a test recorded (Recording.since): times of the whole trace, 3 s in; 100 ms long; a Java window over
        // its second half.
        Recording part = HtmlReportTest.partOfATrace();
        Path html = OUT.resolve("part.html");
        HtmlReport.write(part, html);

        Chromium.Page page = Chromium.load(html, OUT);

        assertThat(page.console()).isEmpty();
        String timeline = between(page.dom(), "<svg class=\"timeline\"", "</svg>");
        Matcher bar = Pattern.compile("<rect x=\"([-0-9.e]+)\" y=\"[-0-9.e]+\" width=\"([-0-9.e]+)\"[^>]*data-window=\"half\"")
                .matcher(timeline);
        assertThat(bar.find()).as("the window's bar in %s", timeline).isTrue();
        double x = Double.parseDouble(bar.group(1));
        double width = Double.parseDouble(bar.group(2));
        Matcher svgWidth = Pattern.compile("^<svg class=\"timeline\" width=\"([0-9]+)\"").matcher(timeline);
        assertThat(svgWidth.find()).isTrue();
        int plot = Integer.parseInt(svgWidth.group(1)) - 150 - 10;
        // The bar starts half-way along the plot and is half of it wide.
        assertThat(x).isCloseTo(150 + plot / 2.0, org.assertj.core.data.Offset.offset(2.0));
        assertThat(width).isCloseTo(plot / 2.0, org.assertj.core.data.Offset.offset(2.0));
        screenshot(html, "part.png", 600, 1);
    }

    @Test
    void the_index_should_link_every_report_of_the_folder() throws Exception {
        HtmlReport.write(lazyImport(), OUT.resolve("index-a.html"));
        JsonReport.write(lazyImport(), OUT.resolve("index-a.json"));
        HtmlReport.write(windows(), OUT.resolve("index-b.html"));
        JsonReport.write(windows(), OUT.resolve("index-b.json"));
        HtmlReport.writeIndex(OUT);

        Chromium.Page page = Chromium.load(OUT.resolve(HtmlReport.INDEX), OUT);

        assertThat(page.console()).isEmpty();
        assertThat(page.dom()).contains("data-report=\"index-a\"").contains("href=\"index-a.html\"")
                .contains("data-report=\"index-b\"").contains("href=\"index-b.json\"");
        screenshot(OUT.resolve(HtmlReport.INDEX), "index.png", 200, 1);
    }

    /** Renders the page to a PNG and checks that it is not blank: the charts' colours are there. */
    private static void screenshot(Path html, String name, int height, int minInkPercent) throws Exception {
        Path png = OUT.resolve(name);
        Chromium.screenshot(html, png, 1280, height, OUT);
        BufferedImage image = ImageIO.read(png.toFile());
        assertThat(image).as("decodable PNG %s", png).isNotNull();
        Set<Integer> colours = new HashSet<>();
        long ink = 0;
        for (int y = 0; y < image.getHeight(); y += 2) {
            for (int x = 0; x < image.getWidth(); x += 2) {
                int rgb = image.getRGB(x, y) & 0xffffff;
                colours.add(rgb);
                ink += rgb == 0xffffff ? 0 : 1;
            }
        }
        long samples = (long) (image.getHeight() / 2) * (image.getWidth() / 2);
        assertThat(colours).as("colours in %s", png).hasSizeGreaterThan(10);
        assertThat(ink * 100 / samples).as("percent of %s that is not white", png).isGreaterThanOrEqualTo(minInkPercent);
    }

    private static String icicle(String dom, String id) {
        return between(dom, "id=\"" + id + "\"", "</svg>");
    }

    private static String between(String s, String start, String end) {
        int i = s.indexOf(start);
        assertThat(i).as("%s in the page", start).isNotNegative();
        return s.substring(i, s.indexOf(end, i));
    }

    private static List<String> modules(String svg) {
        List<String> out = new java.util.ArrayList<>();
        Matcher m = MODULE.matcher(svg);
        while (m.find()) {
            out.add(m.group(1).replace("&quot;", "\"").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"));
        }
        return out;
    }

    private static int count(String s, String needle) {
        int n = 0;
        for (int i = s.indexOf(needle); i >= 0; i = s.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }
}

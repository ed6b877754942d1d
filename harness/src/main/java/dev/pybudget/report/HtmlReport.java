package dev.pybudget.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.pybudget.assertions.Verdict;
import dev.pybudget.recording.Recording;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * A recording as one HTML file a person opens in a browser, with no network: the JSON report and the
 * budget verdicts embedded, the script and the styles inlined. The script draws the import tree as an
 * icicle (self and cumulative times), a timeline of the threads with the windows and imports on it, the
 * collections per generation and the pause histogram, the calls and audit tables, each window with
 * what happened inside it, and the probe and loss facts.
 *
 * <p>Hand-written SVG rather than a charting library: the charts are boxes and bars, about 400 lines
 * of script in all, with nothing to vendor, update or licence, and a file that stays about the size of
 * its data.
 *
 * <p>{@link #writeIndex(Path)} writes {@code index.html} for a folder of reports: one line per
 * recording with its headline numbers and links to its HTML, JSON and Chrome trace.
 */
public final class HtmlReport {
    private HtmlReport() {}

    /** One budget verdict shown in the report: as the run's summary has it. */
    public record Budget(String test, String budget, Verdict verdict, String detail) {}

    /** The verdicts {@code summary} holds for {@code test} so far, e.g. for "CheckoutTest.firstRequest". */
    public static List<Budget> budgetsOf(BudgetSummary summary, String test) {
        return summary.entries().stream().filter(e -> e.test().equals(test))
                .map(e -> new Budget(e.test(), e.budget(), e.verdict(), e.detail())).toList();
    }

    public static final String INDEX = "index.html";
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String SCRIPT = resource("report.js");
    private static final String STYLE = resource("report.css");
    /** Parallel tests write reports into one folder: one index writer at a time. */
    private static final Object INDEX_LOCK = new Object();
    private static final java.util.Map<String, String> ROWS = new java.util.concurrent.ConcurrentHashMap<>();

    /** The HTML file that goes with a JSON report: {@code X.json} gives {@code X.html}. */
    public static Path besideJson(Path json) {
        String name = json.getFileName().toString();
        return json.resolveSibling((name.endsWith(".json") ? name.substring(0, name.length() - 5) : name) + ".html");
    }

    public static String render(Recording r, List<Budget> budgets, String title) {
        ArrayNode verdicts = MAPPER.createArrayNode();
        budgets.forEach(b -> verdicts.addObject().put("test", b.test()).put("budget", b.budget())
                .put("verdict", b.verdict().word()).put("detail", b.detail()));
        return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                + "<meta name=\"generator\" content=\"pybudget\">\n"
                + "<title>" + escape(title) + " - pybudget</title>\n<style>\n" + STYLE + "</style>\n</head>\n<body>\n"
                + "<main id=\"report\"></main>\n"
                + "<noscript><p>This report draws itself with JavaScript; the same data is in the JSON report beside it"
                + " (and embedded below).</p></noscript>\n"
                + "<script type=\"application/json\" id=\"pybudget-recording\">" + embeddable(JsonReport.toJson(r)) + "</script>\n"
                + "<script type=\"application/json\" id=\"pybudget-budgets\">" + embeddable(verdicts) + "</script>\n"
                + "<script>\n" + SCRIPT + "</script>\n</body>\n</html>\n";
    }

    /** Writes the report for {@code r} with no verdicts (the run's summary has them). */
    public static void write(Recording r, Path file) throws IOException {
        write(r, file, List.of());
    }

    /**
     * Writes the report whole or not at all (a temporary file renamed into place), readable by all like the
     * other artifacts (0644), then the folder's {@code index.html}.
     */
    public static void write(Recording r, Path file, List<Budget> budgets) throws IOException {
        Path absolute = file.toAbsolutePath();
        String title = absolute.getFileName().toString().replaceFirst("\\.html$", "");
        atomically(absolute, render(r, budgets, title));
        writeIndex(absolute.getParent());
    }

    /**
     * Writes {@code index.html} in {@code dir}: every {@code X.html} that has its {@code X.json} beside it,
     * with that recording's headline numbers, sorted by name.
     */
    public static void writeIndex(Path dir) throws IOException {
        synchronized (INDEX_LOCK) {
            List<Path> reports = new ArrayList<>();
            try (Stream<Path> files = Files.list(dir)) {
                files.filter(p -> p.getFileName().toString().endsWith(".html") && !p.getFileName().toString().equals(INDEX))
                        .filter(p -> Files.isRegularFile(jsonOf(p))).sorted().forEach(reports::add);
            }
            StringBuilder rows = new StringBuilder();
            for (Path html : reports) {
                rows.append(row(html));
            }
            String page = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                    + "<title>pybudget reports</title>\n<style>\n" + STYLE + "</style>\n</head>\n<body>\n"
                    + "<h1>pybudget reports</h1>\n<p class=\"muted\">" + reports.size() + " recordings in " + escape(dir.toString())
                    + ". The trace files open in ui.perfetto.dev or chrome://tracing.</p>\n"
                    + "<table id=\"reports\">\n<thead><tr><th>recording</th><th class=\"num\">CPython</th>"
                    + "<th class=\"num\">wall</th><th class=\"num\">imports</th><th class=\"num\">collections</th>"
                    + "<th class=\"num\">longest pause</th><th class=\"num\">windows</th><th class=\"num\">lost events</th>"
                    + "<th>data</th></tr></thead>\n<tbody>\n" + rows + "</tbody>\n</table>\n</body>\n</html>\n";
            atomically(dir.resolve(INDEX), page);
        }
    }

    /** The index's line of one report, read once per version of its JSON: a run's index is rewritten after every test. */
    private static String row(Path html) {
        Path jsonFile = jsonOf(html);
        String version;
        JsonNode json;
        try {
            version = jsonFile.toAbsolutePath() + " " + Files.getLastModifiedTime(jsonFile) + " " + Files.size(jsonFile);
            String cached = ROWS.get(version);
            if (cached != null) {
                return cached;
            }
            json = MAPPER.readTree(jsonFile.toFile());
        } catch (IOException e) {
            return ""; // being replaced by another test right now: the next index has it
        }
        String name = html.getFileName().toString().replaceFirst("\\.html$", "");
        long collections = 0;
        for (JsonNode n : json.path("gc").path("collections")) {
            collections += n.asLong();
        }
        Path trace = html.resolveSibling(name + ".trace.json");
        StringBuilder row = new StringBuilder();
        row.append("<tr data-report=\"").append(escape(name)).append("\"><td><a href=\"").append(escape(href(html)))
                .append("\">").append(escape(name)).append("</a></td><td class=\"num\">")
                .append(escape(json.path("python").path("version").asText())).append("</td><td class=\"num\">")
                .append(String.format(Locale.ROOT, "%.1f ms", json.path("wallNanos").asLong() / 1e6))
                .append("</td><td class=\"num\">").append(json.path("importCount").asLong())
                .append("</td><td class=\"num\">").append(collections)
                .append("</td><td class=\"num\">").append(String.format(Locale.ROOT, "%.3f ms",
                        json.path("gc").path("pauseNanos").path("max").asLong() / 1e6))
                .append("</td><td class=\"num\">").append(json.path("windows").size())
                .append("</td><td class=\"num\">").append(json.path("lostEvents").asLong())
                .append("</td><td><a href=\"").append(escape(href(jsonFile))).append("\">JSON</a>");
        if (Files.isRegularFile(trace)) {
            row.append(" <a href=\"").append(escape(href(trace))).append("\">trace</a>");
        }
        row.append("</td></tr>\n");
        ROWS.put(version, row.toString());
        return row.toString();
    }

    private static Path jsonOf(Path html) {
        String name = html.getFileName().toString();
        return html.resolveSibling(name.substring(0, name.length() - ".html".length()) + ".json");
    }

    /** A link relative to the index: the file's name, with what a URL cannot hold percent-encoded. */
    private static String href(Path file) {
        StringBuilder out = new StringBuilder();
        for (byte b : file.getFileName().toString().getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (Character.isLetterOrDigit(c) && c < 128 || "-._~".indexOf(c) >= 0) {
                out.append((char) c);
            } else {
                out.append('%').append(String.format(Locale.ROOT, "%02X", c));
            }
        }
        return out.toString();
    }

    /**
     * JSON that can sit inside a script element: no {@code </script>} or {@code <!--} can close or confuse it,
     * because every {@code <} (only ever inside a string) is written as its escape, which JSON.parse reads back.
     */
    static String embeddable(JsonNode json) {
        try {
            return MAPPER.writeValueAsString(json).replace("<", "\\u003c").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    private static void atomically(Path absolute, String content) throws IOException {
        Path dir = absolute.getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + absolute.getFileName(), ".tmp");
        try {
            Files.writeString(tmp, content, StandardCharsets.UTF_8);
            // createTempFile makes it 0600; a report is for anyone who can read the folder.
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
            Files.move(tmp, absolute, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static String resource(String name) {
        try (InputStream in = HtmlReport.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("pybudget's jar lacks dev/pybudget/report/" + name + ": a broken build.");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

package dev.pybudget.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pybudget.assertions.BudgetCheck;
import dev.pybudget.assertions.Verdict;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Every budget verdict of a test run, annotations and assertions alike, as Markdown: per test
 * class, one row per budget with the test, the budget, the verdict and what was measured.
 * Thread-safe: tests that run in parallel record into one summary. The JUnit extension records
 * each budget it checks (and each pybudget assertion a test makes) into {@link #ofThisRun()},
 * {@link #save saves} it when a test class ends and {@link #publish publishes} it when the JVM's
 * run ends.
 *
 * <p>A run may use several JVMs (surefire forks): each keeps one part per test class in
 * {@code target/pybudget/summary/}, and summary.md is made from all the parts, under a file lock,
 * every time one is saved. A class run again replaces its own part; {@code mvn clean} starts afresh.
 */
public final class BudgetSummary {

    /**
     * One budget of one test.
     *
     * @param testClass   the test class, nested classes as Outer.Inner; what the summary groups by
     * @param testOutcome how the test itself ended when it did not pass ("test failed: ...", "test skipped: ..."); or ""
     */
    public record Entry(String test, String budget, Verdict verdict, String detail, String testClass, String testOutcome) {

        /** An entry whose test class is the test's name up to its last '.' before the method. */
        public Entry(String test, String budget, Verdict verdict, String detail) {
            this(test, budget, verdict, detail, classOf(test), "");
        }
    }

    public static final String STEP_SUMMARY_VARIABLE = "GITHUB_STEP_SUMMARY";
    /** The folder, beside summary.md, that holds one part per test class. */
    public static final String PARTS = "summary";
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final BudgetSummary THIS_RUN = new BudgetSummary();

    private final List<Entry> entries = new ArrayList<>();

    /** The summary that every test in this JVM records into. */
    public static BudgetSummary ofThisRun() {
        return THIS_RUN;
    }

    /**
     * @param test    who checked it, e.g. "CheckoutTest.firstRequest()"
     * @param budget  what was asked, e.g. "no imports in window 'request'"
     * @param verdict passed, failed, or inconclusive
     * @param detail  what was measured, e.g. "89 imports (72.6 ms)"; may be empty
     */
    public void record(String test, String budget, Verdict verdict, String detail) {
        record(new Entry(test, budget, verdict, detail, test == null ? "" : classOf(test), ""));
    }

    /** Records a check as {@link dev.pybudget.assertions.Budgets} or a {@link dev.pybudget.assertions.Baseline} made it. */
    public void record(String test, BudgetCheck check) {
        record(test, check.budget(), check.verdict(), detail(check));
    }

    /** Records a check of {@code test} in {@code testClass} (Outer.Inner for a nested class). */
    public void record(String testClass, String test, BudgetCheck check) {
        record(new Entry(test, check.budget(), check.verdict(), detail(check), testClass, ""));
    }

    /** What was measured, and the check's notes (a baseline written or updated, an improvement): news a run must show. */
    private static String detail(BudgetCheck check) {
        return check.notes().isEmpty() ? check.measured() : check.measured() + ": " + String.join(" ", check.notes());
    }

    public void record(Entry entry) {
        if (entry.test() == null || entry.test().isBlank() || entry.budget() == null || entry.budget().isBlank()
                || entry.verdict() == null || entry.detail() == null || entry.testClass() == null || entry.testOutcome() == null) {
            throw new IllegalArgumentException("A summary entry needs a test, a budget, a verdict and a detail (may be empty).");
        }
        synchronized (entries) {
            entries.add(entry);
        }
    }

    /**
     * Says how {@code test} ended, on every entry it has recorded: its budgets may have passed while
     * the test failed, or they were not checked because it was skipped.
     *
     * @param outcome e.g. "test failed: expected 200 but was 500"; "" when it passed
     */
    public void testEnded(String testClass, String test, String outcome) {
        synchronized (entries) {
            entries.replaceAll(e -> e.testClass().equals(testClass) && e.test().equals(test)
                    ? new Entry(e.test(), e.budget(), e.verdict(), e.detail(), e.testClass(), outcome) : e);
        }
    }

    /**
     * Leaves out the checks of {@code test} that did not pass although the test did: the test caught
     * them on purpose (an {@code assertThatThrownBy} that shows a budget failing), so they are not the run's news.
     */
    public void testPassed(String testClass, String test) {
        synchronized (entries) {
            entries.removeIf(e -> e.testClass().equals(testClass) && e.test().equals(test) && e.verdict() != Verdict.PASSED);
        }
    }

    /** The entries so far, in the order they were recorded. */
    public List<Entry> entries() {
        synchronized (entries) {
            return List.copyOf(entries);
        }
    }

    /**
     * A heading with the counts, then per test class (by name) one table row per budget: failed
     * first, then inconclusive, then passed, each by test name (in recording order within a test).
     */
    public String toMarkdown() {
        List<Entry> rows = new ArrayList<>(entries());
        if (rows.isEmpty()) {
            return "## pybudget: no budgets were checked\n";
        }
        long failed = rows.stream().filter(e -> e.verdict() == Verdict.FAILED).count();
        long inconclusive = rows.stream().filter(e -> e.verdict() == Verdict.INCONCLUSIVE).count();
        long passed = rows.size() - failed - inconclusive;
        StringBuilder md = new StringBuilder();
        md.append("## pybudget: ").append(rows.size()).append(rows.size() == 1 ? " budget" : " budgets").append(", ")
                .append(passed).append(" passed, ").append(failed).append(" failed, ").append(inconclusive)
                .append(" inconclusive\n");
        Map<String, List<Entry>> byClass = new TreeMap<>();
        rows.forEach(e -> byClass.computeIfAbsent(e.testClass(), k -> new ArrayList<>()).add(e));
        byClass.forEach((testClass, classRows) -> {
            classRows.sort(Comparator.comparing((Entry e) -> order(e.verdict())).thenComparing(Entry::test));
            md.append("\n### ").append(testClass.isEmpty() ? "(no test class)" : cell(testClass)).append("\n\n");
            md.append("| Test | Budget | Result | Measured |\n");
            md.append("| --- | --- | --- | --- |\n");
            for (Entry e : classRows) {
                String test = e.testOutcome().isEmpty() ? e.test() : e.test() + " (" + e.testOutcome() + ")";
                md.append("| ").append(cell(test)).append(" | ").append(cell(e.budget())).append(" | ")
                        .append(result(e.verdict())).append(" | ").append(cell(e.detail())).append(" |\n");
            }
        });
        return md.toString();
    }

    private static int order(Verdict v) {
        return switch (v) {
            case FAILED -> 0;
            case INCONCLUSIVE -> 1;
            case PASSED -> 2;
        };
    }

    private static String result(Verdict v) {
        return switch (v) {
            case PASSED -> "✅ passed";
            case FAILED -> "❌ failed";
            case INCONCLUSIVE -> "⚠️ inconclusive";
        };
    }

    /** A table cell: one line, and a '|' that does not end the cell. */
    private static String cell(String text) {
        return text.replace("\\", "\\\\").replace("|", "\\|").replaceAll("\\s*\\R\\s*", " ").strip();
    }

    /** "CheckoutTest" of "CheckoutTest.firstRequest()": the name before the method's. */
    static String classOf(String test) {
        int paren = test.indexOf('(');
        String head = paren < 0 ? test : test.substring(0, paren);
        int dot = head.lastIndexOf('.');
        return dot < 0 ? "" : head.substring(0, dot);
    }

    /** Writes the summary of this summary's entries alone to {@code file}, replacing it whole (mode 0644). */
    public void writeTo(Path file) throws IOException {
        writeAtomically(file, toMarkdown());
    }

    /** Appends the summary to {@code file} (GitHub's step summary is shared by every step of a job). */
    public void appendTo(Path file) throws IOException {
        Files.writeString(file, toMarkdown() + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    /**
     * Saves one part per test class of this summary into {@code directory}/summary/, then rewrites
     * {@code directory}/summary.md from every part there, those of other JVMs of the run included.
     *
     * @return the summary.md written
     */
    public Path save(Path directory) throws IOException {
        Path parts = directory.resolve(PARTS);
        Files.createDirectories(parts);
        Map<String, List<Entry>> byClass = new LinkedHashMap<>();
        entries().forEach(e -> byClass.computeIfAbsent(e.testClass(), k -> new ArrayList<>()).add(e));
        try (FileChannel lockFile = FileChannel.open(parts.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock lock = lockFile.lock()) {
            for (Map.Entry<String, List<Entry>> part : byClass.entrySet()) {
                writeAtomically(parts.resolve(partName(part.getKey())), toJson(part.getValue()));
            }
            BudgetSummary all = new BudgetSummary();
            try (Stream<Path> files = Files.list(parts)) {
                for (Path part : files.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().toList()) {
                    fromJson(Files.readString(part, StandardCharsets.UTF_8)).forEach(all::record);
                }
            }
            Path file = directory.resolve("summary.md");
            all.writeTo(file);
            return file;
        }
    }

    /** {@link #publish(Path, Map)} to target/pybudget with this process's environment. */
    public Path publish() throws IOException {
        return publish(Path.of("target", "pybudget"), System.getenv());
    }

    /**
     * {@link #save Saves} into {@code directory} and, when {@code environment} has $GITHUB_STEP_SUMMARY,
     * appends this summary's table (this JVM's budgets) to that file.
     *
     * @return the summary.md written
     */
    public Path publish(Path directory, Map<String, String> environment) throws IOException {
        Path file = save(directory);
        Optional<String> step = Optional.ofNullable(environment.get(STEP_SUMMARY_VARIABLE)).filter(s -> !s.isBlank());
        if (step.isPresent()) {
            appendTo(Path.of(step.get()));
        }
        return file;
    }

    /** A file name for a class's part: its name with anything but letters, digits, '.', '-' and '_' replaced. */
    private static String partName(String testClass) {
        return (testClass.isEmpty() ? "_" : testClass.replaceAll("[^A-Za-z0-9._-]", "_")) + ".json";
    }

    private static String toJson(List<Entry> entries) throws IOException {
        ArrayNode array = MAPPER.createArrayNode();
        for (Entry e : entries) {
            ObjectNode o = array.addObject();
            o.put("testClass", e.testClass());
            o.put("test", e.test());
            o.put("budget", e.budget());
            o.put("verdict", e.verdict().name());
            o.put("detail", e.detail());
            o.put("testOutcome", e.testOutcome());
        }
        return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(array) + "\n";
    }

    private static List<Entry> fromJson(String json) throws IOException {
        List<Entry> out = new ArrayList<>();
        for (JsonNode o : MAPPER.readTree(json)) {
            out.add(new Entry(o.path("test").asText(), o.path("budget").asText(), Verdict.valueOf(o.path("verdict").asText()),
                    o.path("detail").asText(), o.path("testClass").asText(), o.path("testOutcome").asText()));
        }
        return out;
    }

    /** Replaces {@code file} whole, readable by all (0644: an artifact others open), never half-written. */
    static void writeAtomically(Path file, String text) throws IOException {
        Path absolute = file.toAbsolutePath();
        Files.createDirectories(absolute.getParent());
        Path tmp = Files.createTempFile(absolute.getParent(), "." + absolute.getFileName(), ".tmp");
        try {
            Files.writeString(tmp, text, StandardCharsets.UTF_8);
            readableByAll(tmp);
            Files.move(tmp, absolute, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Mode 0644 where the file system has modes: temporary files start as 0600. */
    public static void readableByAll(Path file) throws IOException {
        if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        }
    }
}

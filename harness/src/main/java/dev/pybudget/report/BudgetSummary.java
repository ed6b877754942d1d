package dev.pybudget.report;

import dev.pybudget.assertions.BudgetCheck;
import dev.pybudget.assertions.Verdict;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Every budget verdict of a test run, as a Markdown table: test, budget, result, what was
 * measured. Thread-safe: tests that run in parallel record into one summary. The JUnit extension
 * records each budget it checks into {@link #ofThisRun()} and publishes it once at the end of the
 * run: to target/pybudget/summary.md, and appended to $GITHUB_STEP_SUMMARY when that is set, so a
 * CI run page shows the table.
 */
public final class BudgetSummary {

    /** One budget of one test. */
    public record Entry(String test, String budget, Verdict verdict, String detail) {}

    public static final String STEP_SUMMARY_VARIABLE = "GITHUB_STEP_SUMMARY";
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
        if (test == null || test.isBlank() || budget == null || budget.isBlank() || verdict == null || detail == null) {
            throw new IllegalArgumentException("A summary entry needs a test, a budget, a verdict and a detail (may be empty).");
        }
        synchronized (entries) {
            entries.add(new Entry(test, budget, verdict, detail));
        }
    }

    /** Records a check as {@link dev.pybudget.assertions.Budgets} or a {@link dev.pybudget.assertions.Baseline} made it. */
    public void record(String test, BudgetCheck check) {
        record(test, check.budget(), check.verdict(), check.measured());
    }

    /** The entries so far, in the order they were recorded. */
    public List<Entry> entries() {
        synchronized (entries) {
            return List.copyOf(entries);
        }
    }

    /**
     * A heading with the counts and one table row per budget: failed first, then inconclusive,
     * then passed, each by test name (in recording order within a test).
     */
    public String toMarkdown() {
        List<Entry> rows = new ArrayList<>(entries());
        rows.sort(Comparator.comparing((Entry e) -> order(e.verdict())).thenComparing(Entry::test));
        long failed = rows.stream().filter(e -> e.verdict() == Verdict.FAILED).count();
        long inconclusive = rows.stream().filter(e -> e.verdict() == Verdict.INCONCLUSIVE).count();
        long passed = rows.size() - failed - inconclusive;
        StringBuilder md = new StringBuilder();
        if (rows.isEmpty()) {
            return md.append("## pybudget: no budgets were checked\n").toString();
        }
        md.append("## pybudget: ").append(rows.size()).append(rows.size() == 1 ? " budget" : " budgets").append(", ")
                .append(passed).append(" passed, ").append(failed).append(" failed, ").append(inconclusive)
                .append(" inconclusive\n\n");
        md.append("| Test | Budget | Result | Measured |\n");
        md.append("| --- | --- | --- | --- |\n");
        for (Entry e : rows) {
            md.append("| ").append(cell(e.test())).append(" | ").append(cell(e.budget())).append(" | ")
                    .append(result(e.verdict())).append(" | ").append(cell(e.detail())).append(" |\n");
        }
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

    /** Writes the summary to {@code file}, replacing it whole. */
    public void writeTo(Path file) throws IOException {
        Path absolute = file.toAbsolutePath();
        Files.createDirectories(absolute.getParent());
        Path tmp = Files.createTempFile(absolute.getParent(), "." + absolute.getFileName(), ".tmp");
        try {
            Files.writeString(tmp, toMarkdown(), StandardCharsets.UTF_8);
            Files.move(tmp, absolute, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Appends the summary to {@code file} (GitHub's step summary is shared by every step of a job). */
    public void appendTo(Path file) throws IOException {
        Files.writeString(file, toMarkdown() + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    /** {@link #publish(Path, Map)} to target/pybudget with this process's environment. */
    public Path publish() throws IOException {
        return publish(Path.of("target", "pybudget"), System.getenv());
    }

    /**
     * Writes {@code directory}/summary.md and, when {@code environment} has $GITHUB_STEP_SUMMARY,
     * appends the same table to that file.
     *
     * @return the summary.md written
     */
    public Path publish(Path directory, Map<String, String> environment) throws IOException {
        Path file = directory.resolve("summary.md");
        writeTo(file);
        Optional<String> step = Optional.ofNullable(environment.get(STEP_SUMMARY_VARIABLE)).filter(s -> !s.isBlank());
        if (step.isPresent()) {
            appendTo(Path.of(step.get()));
        }
        return file;
    }
}

package dev.pybudget.assertions;

import dev.pybudget.assertions.internal.Evidence;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pybudget.assertions.BaselineMetrics.Bound;
import dev.pybudget.assertions.BaselineMetrics.Value;
import dev.pybudget.recording.Recording;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * A committed reference of what a scope of a recording counted, for regression gating:
 * <pre>{@code
 * Baseline baseline = Baseline.at(Path.of("src/test/resources/baselines/checkout.json"))
 *         .withTolerance("gc.collections.gen0", Tolerance.absolute(2))
 *         .ignoring("audit[marshal.loads]");
 * assertThat(recording).window("request").matchesBaseline(baseline);
 * }</pre>
 * The file is JSON with sorted keys and one metric per line, so that a change reads as a diff:
 * gc collections per generation, objects collected, the import count and the modules, calls per
 * function, audit events per name. Counts must not rise at all unless given a tolerance: they are
 * deterministic. Times (gc.pause.maxNanos, gc.pause.p99Nanos, imports.totalNanos) are noisy and
 * kept only when given a tolerance. Falling counts pass, with a note.
 *
 * <p>What happens with the file is the {@link BaselineMode}: by default from
 * {@code pybudget.baselines=update} (rewrite) and CI detection (a missing baseline fails on CI);
 * otherwise a missing baseline is written from the run and the check passes with a note.
 * A baseline is never written from a recording that lost anything. The file keeps the call
 * pattern the calls were counted with: a run that counted another pattern is not compared with it,
 * since a function outside one of the two patterns would read as 0 calls.
 */
public final class Baseline {

    public static final int SCHEMA = 1;
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final Path file;
    private final List<Map.Entry<String, Tolerance>> tolerances;
    private final List<String> ignored;
    private final Optional<Path> sourceRoot;
    private final Optional<BaselineMode> mode;

    private Baseline(Path file, List<Map.Entry<String, Tolerance>> tolerances, List<String> ignored,
                     Optional<Path> sourceRoot, Optional<BaselineMode> mode) {
        this.file = file;
        this.tolerances = List.copyOf(tolerances);
        this.ignored = List.copyOf(ignored);
        this.sourceRoot = sourceRoot;
        this.mode = mode;
    }

    /** The baseline kept in {@code file} (it need not exist yet). */
    public static Baseline at(Path file) {
        if (file == null) {
            throw new IllegalArgumentException("A baseline needs a file.");
        }
        return new Baseline(file, List.of(), List.of(), Optional.empty(), Optional.empty());
    }

    /**
     * Allows metrics whose keys match {@code metricGlob} ('*' and '?') to rise by {@code tolerance},
     * e.g. {@code "gc.collections.*"}, {@code "calls[*]"}, {@code "gc.pause.maxNanos"}. When several
     * globs match a key, the one given last wins.
     */
    public Baseline withTolerance(String metricGlob, Tolerance tolerance) {
        requireMetricGlob(metricGlob);
        Objects.requireNonNull(tolerance, "tolerance");
        List<Map.Entry<String, Tolerance>> more = new ArrayList<>(tolerances);
        more.add(Map.entry(metricGlob, tolerance));
        return new Baseline(file, more, ignored, sourceRoot, mode);
    }

    /** Leaves metrics whose keys match {@code metricGlob} out of the file and the comparison, e.g. "audit[open]". */
    public Baseline ignoring(String metricGlob) {
        requireMetricGlob(metricGlob);
        List<String> more = new ArrayList<>(ignored);
        more.add(metricGlob);
        return new Baseline(file, tolerances, more, sourceRoot, mode);
    }

    /**
     * Call sites in files under {@code root} are keyed relative to it. Default: the enclosing git
     * checkout of the working directory, so that a baseline holds wherever the repository is cloned.
     */
    public Baseline withSourceRoot(Path root) {
        Objects.requireNonNull(root, "root");
        return new Baseline(file, tolerances, ignored, Optional.of(root), mode);
    }

    /** Overrides the mode that {@link BaselineMode#current()} would give. */
    public Baseline withMode(BaselineMode mode) {
        Objects.requireNonNull(mode, "mode");
        return new Baseline(file, tolerances, ignored, sourceRoot, Optional.of(mode));
    }

    public Path file() {
        return file;
    }

    /** Checks the whole run against this baseline. */
    public BudgetCheck check(Recording recording) {
        return check(RecordingScope.whole(recording));
    }

    /** Checks one scope against this baseline (or records it, as the mode says). */
    public BudgetCheck check(RecordingScope scope) {
        String budget = "no regression against baseline " + file + scope.where();
        Optional<BudgetCheck> trouble = Budgets.scopeTrouble(scope, budget);
        if (trouble.isPresent()) {
            return trouble.get();
        }
        BaselineMode effective = mode.orElseGet(BaselineMode::current);
        BaselineMetrics now = BaselineMetrics.of(scope, key -> !isIgnored(key) && hasTolerance(key),
                sourceRoot.or(Baseline::gitCheckout));
        if (effective == BaselineMode.UPDATE) {
            return record(scope, now, budget, "Baseline " + file + " updated (" + BaselineMode.PROPERTY + "=update).");
        }
        if (!Files.exists(file)) {
            if (effective == BaselineMode.CHECK) {
                return BudgetCheck.failed(budget, "no baseline", ShouldMatchBaseline.shouldExist(budget));
            }
            return record(scope, now, budget, "Baseline " + file + " did not exist: written from this run; commit it.");
        }
        Stored stored;
        try {
            stored = read(file);
        } catch (IOException | RuntimeException e) {
            return BudgetCheck.failed(budget, "unreadable baseline", ShouldMatchBaseline.shouldBeReadable(budget, e.getMessage()));
        }
        if (!stored.scope().equals(scope.name())) {
            return BudgetCheck.failed(budget, "baseline of " + stored.scope(),
                    ShouldMatchBaseline.shouldHaveSameScope(budget, stored.scope(), scope.name()));
        }
        Optional<String> pattern = scope.recording().callPattern();
        // A run that counted no calls leaves them uncompared (inconclusive) below; another pattern is refused.
        if (stored.callPattern().isPresent() && pattern.isPresent() && !stored.callPattern().equals(pattern)
                && !isIgnored("calls[]")) {
            return BudgetCheck.failed(budget, "baseline of call pattern '" + stored.callPattern().get() + "'",
                    ShouldMatchBaseline.shouldHaveSameCallPattern(budget, stored.callPattern().get(), pattern.get()));
        }
        return compare(scope.recording(), stored, now, budget);
    }

    private BudgetCheck compare(Recording recording, Stored stored, BaselineMetrics now, String budget) {
        List<String> regressions = new ArrayList<>();
        List<String> notCompared = new ArrayList<>();
        List<String> improved = new ArrayList<>();
        SortedSet<String> keys = new TreeSet<>(stored.counts().keySet());
        keys.addAll(now.counts.keySet());
        for (String key : keys) {
            if (isIgnored(key) || (BaselineMetrics.isTime(key) && !hasTolerance(key))) {
                continue;
            }
            String name = BaselineMetrics.displayName(key);
            boolean time = BaselineMetrics.isTime(key);
            Long base = stored.counts().get(key);
            Optional<Value> current = now.value(key);
            if (current.isEmpty()) {
                notCompared.add(name + ": " + Optional.ofNullable(now.unmeasured.get(BaselineMetrics.group(key)))
                        .orElse("not measured in this run"));
                continue;
            }
            if (base == null) {
                String group = BaselineMetrics.group(key);
                if (!group.equals("calls[") && !group.equals("audit[")) {
                    notCompared.add(name + ": the baseline has no value for it");
                    continue;
                }
                if (group.equals("calls[") && stored.callPattern().isEmpty()) {
                    // Written before baselines kept their pattern: a function it never saw may lie outside it.
                    notCompared.add(name + ": the baseline does not say which call pattern it counted; record it again");
                    continue;
                }
                base = 0L; // a function or event the baseline never saw
            }
            Tolerance tolerance = toleranceFor(key);
            Value v = current.get();
            String change = name + " " + format(base, time) + " -> " + format(v.value(), time);
            if (v.value() > tolerance.allowed(base) && v.bound() != Bound.UNKNOWN) {
                regressions.add(change + " (" + rise(base, v.value()) + ", tolerance " + tolerance.describe(time) + ")");
            } else if (v.bound() != Bound.EXACT) {
                notCompared.add(change + ": " + v.why());
            } else if (v.value() < base) {
                improved.add(change + " (" + rise(base, v.value()) + ")");
            }
        }
        compareModules(stored, now, regressions, notCompared, improved);

        String pythonNote = stored.python().equals(recording.python().version()) ? ""
                : "(The baseline was recorded with CPython " + stored.python() + "; this run used CPython "
                + recording.python().version() + ", whose counts may differ.)";
        if (!regressions.isEmpty()) {
            return BudgetCheck.failed(budget, Evidence.count(regressions.size(), "metric", "metrics") + " regressed",
                    ShouldMatchBaseline.shouldNotRegress(budget, regressions, notCompared, improved, pythonNote));
        }
        if (!notCompared.isEmpty()) {
            return BudgetCheck.inconclusive(budget, Evidence.count(notCompared.size(), "metric", "metrics") + " not compared",
                    ShouldMatchBaseline.shouldBeComparable(budget, notCompared, pythonNote));
        }
        List<String> notes = new ArrayList<>();
        if (!improved.isEmpty()) {
            notes.add("Improved against baseline " + file + ": " + String.join("; ", improved)
                    + ". Record the baseline again to keep the gain.");
        }
        if (!pythonNote.isEmpty()) {
            notes.add(pythonNote);
        }
        return BudgetCheck.passed(budget, "no regression" + (improved.isEmpty() ? "" : ", " + improved.size() + " improved"))
                .withNotes(notes);
    }

    private void compareModules(Stored stored, BaselineMetrics now, List<String> regressions, List<String> notCompared,
                                List<String> improved) {
        String key = BaselineMetrics.MODULES;
        if (isIgnored(key)) {
            return;
        }
        String name = BaselineMetrics.displayName(key);
        if (now.unmeasured.containsKey("imports.")) {
            if (stored.modules().isPresent()) {
                notCompared.add(name + ": " + now.unmeasured.get("imports."));
            }
            return;
        }
        if (stored.modules().isEmpty()) {
            notCompared.add(name + ": the baseline has no value for it");
            return;
        }
        SortedSet<String> added = new TreeSet<>(now.modules);
        added.removeAll(stored.modules().get());
        SortedSet<String> removed = new TreeSet<>(stored.modules().get());
        removed.removeAll(now.modules);
        Tolerance tolerance = toleranceFor(key);
        long allowedNew = tolerance.allowed(stored.modules().get().size()) - stored.modules().get().size();
        if (added.size() > allowedNew && now.modulesBound != Bound.UNKNOWN) {
            regressions.add(name + ": " + listed(added, "+") + " (" + added.size() + " new, tolerance "
                    + tolerance.describe(false) + ")");
        } else if (now.modulesBound != Bound.EXACT) {
            notCompared.add(name + ": " + now.modulesWhy);
        } else if (!removed.isEmpty()) {
            improved.add(name + ": " + listed(removed, "-") + " (" + removed.size() + " fewer)");
        }
    }

    private static String listed(SortedSet<String> modules, String sign) {
        String shown = modules.stream().limit(Evidence.MAX_COUNT_LINES).map(m -> sign + m).collect(Collectors.joining(", "));
        return modules.size() > Evidence.MAX_COUNT_LINES ? shown + ", ... and " + (modules.size() - Evidence.MAX_COUNT_LINES)
                + " more" : shown;
    }

    private static String format(long value, boolean time) {
        return time ? Evidence.duration(value) : Long.toString(value);
    }

    /** "+133%", "-11%", or "new" when there was nothing before. */
    private static String rise(long base, long now) {
        if (base == 0) {
            return "new";
        }
        long percent = Math.round((now - base) * 100.0 / base);
        return (percent >= 0 ? "+" : "") + percent + "%";
    }

    /** Writes this run as the baseline, unless something it would record was lost. */
    private BudgetCheck record(RecordingScope scope, BaselineMetrics now, String budget, String note) {
        List<String> incomplete = new ArrayList<>();
        now.lossy.forEach((group, why) -> incomplete.add((group.equals("calls[") ? "calls" : "audit events") + ": " + why));
        now.counts.forEach((key, v) -> {
            if (!isIgnored(key) && v.bound() != Bound.EXACT && !now.lossy.containsKey(BaselineMetrics.group(key))) {
                incomplete.add(BaselineMetrics.displayName(key) + ": " + v.why());
            }
        });
        if (!isIgnored(BaselineMetrics.MODULES) && now.modulesBound != Bound.EXACT) {
            incomplete.add(BaselineMetrics.displayName(BaselineMetrics.MODULES) + ": " + now.modulesWhy);
        }
        if (!incomplete.isEmpty()) {
            return BudgetCheck.inconclusive(budget, "incomplete recording",
                    ShouldMatchBaseline.shouldBeCompleteToRecord(budget, incomplete));
        }
        SortedMap<String, Long> counts = new TreeMap<>();
        now.counts.forEach((key, v) -> {
            if (!isIgnored(key)) {
                counts.put(key, v.value());
            }
        });
        Optional<SortedSet<String>> modules = now.unmeasured.containsKey("imports.") || isIgnored(BaselineMetrics.MODULES)
                ? Optional.empty() : Optional.of(now.modules);
        try {
            write(file, new Stored(scope.name(), scope.recording().python().version(), counts, modules,
                    scope.recording().callPattern()));
        } catch (IOException e) {
            throw new UncheckedIOException("The baseline " + file + " could not be written: " + e.getMessage(), e);
        }
        return BudgetCheck.passed(budget, "baseline recorded").withNotes(List.of(note));
    }

    /**
     * What a baseline file holds.
     *
     * @param callPattern the pattern whose calls were counted; empty when none was, or in a file written before
     *                    baselines kept it
     */
    record Stored(String scope, String python, SortedMap<String, Long> counts, Optional<SortedSet<String>> modules,
                  Optional<String> callPattern) {}

    static Stored read(Path file) throws IOException {
        JsonNode root = MAPPER.readTree(file.toFile());
        if (root == null || root.path("schema").asInt() != SCHEMA) {
            throw new IOException("not a pybudget baseline of schema " + SCHEMA + " (" + file + ")");
        }
        SortedMap<String, Long> counts = new TreeMap<>();
        Optional<SortedSet<String>> modules = Optional.empty();
        for (Map.Entry<String, JsonNode> e : root.path("metrics").properties()) {
            if (e.getKey().equals(BaselineMetrics.MODULES)) {
                SortedSet<String> names = new TreeSet<>();
                e.getValue().forEach(n -> names.add(n.asText()));
                modules = Optional.of(names);
            } else if (e.getValue().canConvertToLong()) {
                counts.put(e.getKey(), e.getValue().asLong());
            } else {
                throw new IOException("the metric " + e.getKey() + " is not a whole number (" + file + ")");
            }
        }
        Optional<String> callPattern = root.hasNonNull("callPattern") ? Optional.of(root.get("callPattern").asText())
                : Optional.empty();
        return new Stored(root.path("scope").asText(), root.path("python").asText(), counts, modules, callPattern);
    }

    /** Sorted keys, one metric (or module) per line, "\n" line ends and a final newline: stable diffs on every platform. */
    static void write(Path file, Stored stored) throws IOException {
        ObjectNode root = MAPPER.createObjectNode();
        stored.callPattern().ifPresent(p -> root.put("callPattern", p));
        ObjectNode metrics = root.putObject("metrics");
        SortedMap<String, Object> sorted = new TreeMap<>(stored.counts());
        stored.modules().ifPresent(m -> sorted.put(BaselineMetrics.MODULES, m));
        sorted.forEach((key, value) -> {
            if (value instanceof Long n) {
                metrics.put(key, n);
            } else {
                ArrayNode names = metrics.putArray(key);
                ((SortedSet<?>) value).forEach(m -> names.add((String) m));
            }
        });
        root.put("python", stored.python());
        root.put("schema", SCHEMA);
        root.put("scope", stored.scope());
        DefaultIndenter lines = new DefaultIndenter("  ", "\n");
        DefaultPrettyPrinter printer = new DefaultPrettyPrinter();
        printer.indentObjectsWith(lines);
        printer.indentArraysWith(lines);
        String json = MAPPER.writer(printer).writeValueAsString(root) + "\n";

        Path absolute = file.toAbsolutePath();
        Files.createDirectories(absolute.getParent());
        Path tmp = Files.createTempFile(absolute.getParent(), "." + absolute.getFileName(), ".tmp");
        try {
            Files.writeString(tmp, json, StandardCharsets.UTF_8);
            if (tmp.getFileSystem().supportedFileAttributeViews().contains("posix")) {
                // a file to commit and share, not a secret: temporary files start as 0600
                Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
            }
            Files.move(tmp, absolute, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private boolean isIgnored(String key) {
        return ignored.stream().anyMatch(glob -> Globs.matches(glob, key));
    }

    private boolean hasTolerance(String key) {
        return tolerances.stream().anyMatch(e -> Globs.matches(e.getKey(), key));
    }

    private Tolerance toleranceFor(String key) {
        Tolerance found = Tolerance.NONE;
        for (Map.Entry<String, Tolerance> e : tolerances) {
            if (Globs.matches(e.getKey(), key)) {
                found = e.getValue();
            }
        }
        return found;
    }

    private static void requireMetricGlob(String glob) {
        if (glob == null || glob.isBlank()) {
            throw new IllegalArgumentException("A metric pattern must not be null or blank, e.g. 'gc.collections.*' or 'calls[*]'.");
        }
    }

    /** The git checkout around the working directory (a directory with .git, a file in worktrees), if any. */
    private static Optional<Path> gitCheckout() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.exists(dir.resolve(".git"))) {
                return Optional.of(dir);
            }
        }
        return Optional.empty();
    }
}

package dev.pybudget.assertions.baseline;

import dev.pybudget.assertions.BaselineMode;
import dev.pybudget.assertions.BudgetCheck;
import dev.pybudget.assertions.RecordingScope;
import dev.pybudget.assertions.Tolerance;
import dev.pybudget.assertions.baseline.BaselineFile.Stored;
import dev.pybudget.assertions.baseline.BaselineMetrics.Bound;
import dev.pybudget.assertions.baseline.BaselineMetrics.Value;
import dev.pybudget.assertions.error.ShouldMatchBaseline;
import dev.pybudget.assertions.internal.Evidence;
import dev.pybudget.assertions.internal.FamilyChecks;
import dev.pybudget.assertions.internal.Globs;
import dev.pybudget.recording.Recording;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * One scope against one baseline file: in update mode (or when the file is missing and not on CI) written from the
 * run, otherwise compared metric by metric with the tolerances. Made by {@code Baseline.check}.
 */
public final class BaselineComparison {
    private final Path file;
    private final List<Map.Entry<String, Tolerance>> tolerances;
    private final List<String> ignored;
    private final Optional<Path> sourceRoot;
    private final BaselineMode mode;

    /**
     * @param tolerances metric globs with what they allow, the last matching one winning
     * @param ignored    metric globs left out of the file and the comparison
     * @param sourceRoot call sites under it are keyed relative to it; empty: the enclosing git checkout
     */
    public BaselineComparison(Path file, List<Map.Entry<String, Tolerance>> tolerances, List<String> ignored,
                              Optional<Path> sourceRoot, BaselineMode mode) {
        this.file = file;
        this.tolerances = List.copyOf(tolerances);
        this.ignored = List.copyOf(ignored);
        this.sourceRoot = sourceRoot;
        this.mode = mode;
    }

    /** Checks one scope against the baseline (or records it, as the mode says). */
    public BudgetCheck check(RecordingScope scope) {
        String budget = "no regression against baseline " + file + scope.where();
        Optional<BudgetCheck> trouble = FamilyChecks.scopeTrouble(scope, budget);
        if (trouble.isPresent()) {
            return trouble.get();
        }
        BaselineMode effective = mode;
        BaselineMetrics now = BaselineMetrics.of(scope, key -> !isIgnored(key) && hasTolerance(key),
                sourceRoot.or(BaselineComparison::gitCheckout));
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
            stored = BaselineFile.read(file);
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
                && !isIgnored(MetricGroup.CALLS.prefix() + "]")) {
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
                notCompared.add(name + ": " + Optional.ofNullable(now.unmeasured.get(MetricGroup.of(key)))
                        .orElse("not measured in this run"));
                continue;
            }
            if (base == null) {
                MetricGroup group = MetricGroup.of(key);
                if (!group.perName()) {
                    notCompared.add(name + ": the baseline has no value for it");
                    continue;
                }
                if (group == MetricGroup.CALLS && stored.callPattern().isEmpty()) {
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
        if (now.unmeasured.containsKey(MetricGroup.IMPORTS)) {
            if (stored.modules().isPresent()) {
                notCompared.add(name + ": " + now.unmeasured.get(MetricGroup.IMPORTS));
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
        now.lossy.forEach((group, why) -> incomplete.add(group.what() + ": " + why));
        now.counts.forEach((key, v) -> {
            if (!isIgnored(key) && v.bound() != Bound.EXACT && !now.lossy.containsKey(MetricGroup.of(key))) {
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
        Optional<SortedSet<String>> modules = now.unmeasured.containsKey(MetricGroup.IMPORTS) || isIgnored(BaselineMetrics.MODULES)
                ? Optional.empty() : Optional.of(now.modules);
        try {
            BaselineFile.write(file, new Stored(scope.name(), scope.recording().python().version(), counts, modules,
                    scope.recording().callPattern()));
        } catch (IOException e) {
            throw new UncheckedIOException("The baseline " + file + " could not be written: " + e.getMessage(), e);
        }
        return BudgetCheck.passed(budget, "baseline recorded").withNotes(List.of(note));
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

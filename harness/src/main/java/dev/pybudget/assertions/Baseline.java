package dev.pybudget.assertions;

import dev.pybudget.assertions.baseline.BaselineComparison;
import dev.pybudget.assertions.baseline.BaselineFile;
import dev.pybudget.recording.Recording;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

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

    /** The baseline file's schema. */
    public static final int SCHEMA = BaselineFile.SCHEMA;

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
        return new BaselineComparison(file, tolerances, ignored, sourceRoot, mode.orElseGet(BaselineMode::current))
                .check(scope);
    }

    private static void requireMetricGlob(String glob) {
        if (glob == null || glob.isBlank()) {
            throw new IllegalArgumentException("A metric pattern must not be null or blank, e.g. 'gc.collections.*' or 'calls[*]'.");
        }
    }
}

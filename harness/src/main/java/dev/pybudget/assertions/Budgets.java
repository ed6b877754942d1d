package dev.pybudget.assertions;

import dev.pybudget.assertions.internal.Evidence;
import dev.pybudget.assertions.error.InconclusiveBudget;
import dev.pybudget.engine.CallPattern;
import dev.pybudget.recording.AuditCount;
import dev.pybudget.recording.AuditEvent;
import dev.pybudget.recording.CallCount;
import dev.pybudget.recording.GcStats;
import dev.pybudget.recording.ImportNode;
import dev.pybudget.recording.Losses;
import dev.pybudget.recording.PauseStats;
import dev.pybudget.recording.Recording;
import dev.pybudget.recording.Sections;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Every budget as one static check: it decides the verdict and writes the message. The AssertJ
 * assertions ({@link PyBudgetAssertions}) and the budget annotations call these, so a budget
 * reads the same wherever it is checked.
 *
 * <p>The rules of evidence: a verdict rests on exact kernel counts where there are any. When
 * something it rests on was lost (stream events, counts with no room in a map, window marks that
 * could not be followed) or never measured (a probe this CPython lacks), the check is
 * {@link Verdict#INCONCLUSIVE}, never passed. A violation that is certain despite losses (an
 * import of a forbidden module that the stream did deliver) still fails.
 *
 * @throws IllegalArgumentException from every check, for a negative budget, a generation other
 *         than 0, 1, 2, a null or empty name, a malformed pattern, a non-positive duration
 */
public final class Budgets {
    private Budgets() {}

    static final String CALL_PROBE = "function__return";
    /** Calls counted inside the workload (sys.monitoring, sys.settrace on 3.11) stand for the call probe. */
    static final String CALLS_IN_PROCESS = "calls:monitoring";
    static final String GC_PROBE = "gc__start";
    static final String GC_DONE_PROBE = "gc__done";
    static final String IMPORT_PROBE = "import__find__load__start";
    static final String AUDIT_PROBE = "audit";

    // ---- garbage collection -------------------------------------------------------------------

    /** At most {@code max} collections of one generation: 0, 1 or 2 (gc__start, exact). */
    public static BudgetCheck gcCollectionsAtMost(RecordingScope scope, int generation, long max) {
        requireGeneration(generation);
        requireNotNegative(max, "collections");
        String what = "gen-" + generation + " collection";
        String budget = (max == 0 ? "no " + what + "s" : "at most " + Evidence.count(max, what, what + "s")) + scope.where();
        return collections(scope, budget, gc -> gc.collections(generation), max, what);
    }

    /** No collection of one generation at all. */
    public static BudgetCheck noGcCollections(RecordingScope scope, int generation) {
        return gcCollectionsAtMost(scope, generation, 0);
    }

    /** At most {@code max} collections, all generations together. */
    public static BudgetCheck gcCollectionsAtMost(RecordingScope scope, long max) {
        requireNotNegative(max, "collections");
        String budget = (max == 0 ? "no collections" : "at most " + Evidence.count(max, "collection", "collections"))
                + " (all generations)" + scope.where();
        return collections(scope, budget, GcStats::totalCollections, max, "collection");
    }

    private static BudgetCheck collections(RecordingScope scope, String budget,
                                           java.util.function.ToLongFunction<GcStats> count, long max, String what) {
        return decide(scope, budget, List.of(GC_PROBE), "collections", () -> {
            GcStats gc = scope.sections().gc();
            long n = count.applyAsLong(gc);
            String measured = Evidence.count(n, what, what + "s");
            return n <= max ? BudgetCheck.passed(budget, measured)
                    : BudgetCheck.failed(budget, measured, ShouldHaveCollectionsAtMost.shouldHaveCollectionsAtMost(budget, n, gc));
        });
    }

    /** Every collection pause (gc__start to gc__done) shorter than {@code limit}; the maximum is exact. */
    public static BudgetCheck gcMaxPauseBelow(RecordingScope scope, Duration limit) {
        long limitNanos = requirePositive(limit);
        String budget = "no collection pause of " + Evidence.duration(limitNanos) + " or more" + scope.where();
        return decide(scope, budget, List.of(GC_PROBE, GC_DONE_PROBE), "pauses", () -> {
            GcStats gc = scope.sections().gc();
            Optional<BudgetCheck> unpaired = unpaired(scope, budget, "pauses are missing from the statistics");
            if (unpaired.isPresent()) {
                return unpaired.get();
            }
            long max = gc.pauseNanos().max();
            String measured = gc.pauseNanos().count() == 0 ? "no pauses" : "longest pause " + Evidence.duration(max);
            return max < limitNanos ? BudgetCheck.passed(budget, measured)
                    : BudgetCheck.failed(budget, measured, ShouldHavePausesBelow.shouldHaveMaxPauseBelow(budget, gc));
        });
    }

    /**
     * The 99th percentile of collection pauses below {@code limit}. The pauses are kept as a log2
     * histogram, so the p99 is known to lie in one bucket [2^b, 2^(b+1)) ns, capped by the exact
     * maximum: it passes when the whole bucket is below the limit, fails when the whole bucket is
     * at or above it, and is inconclusive when the limit falls inside the bucket.
     */
    public static BudgetCheck gcP99PauseBelow(RecordingScope scope, Duration limit) {
        long limitNanos = requirePositive(limit);
        String budget = "a p99 collection pause below " + Evidence.duration(limitNanos) + scope.where();
        return decide(scope, budget, List.of(GC_PROBE, GC_DONE_PROBE), "pauses", () -> {
            GcStats gc = scope.sections().gc();
            Optional<BudgetCheck> unpaired = unpaired(scope, budget, "pauses are missing from the statistics");
            if (unpaired.isPresent()) {
                return unpaired.get();
            }
            PauseStats p = gc.pauseNanos();
            if (p.count() == 0) {
                return BudgetCheck.passed(budget, "no pauses");
            }
            int bucket = p99Bucket(p);
            long low = Math.min(Evidence.bucketLow(bucket), p.max());
            long high = Math.min(Evidence.bucketHigh(bucket) - 1, p.max());
            String measured = "p99 pause in [" + Evidence.duration(low) + ", " + Evidence.duration(high) + "]";
            if (high < limitNanos) {
                return BudgetCheck.passed(budget, measured);
            }
            if (low >= limitNanos) {
                return BudgetCheck.failed(budget, measured,
                        ShouldHavePausesBelow.shouldHaveP99PauseBelow(budget, low, Evidence.bucketHigh(bucket), gc));
            }
            return BudgetCheck.inconclusive(budget, measured, InconclusiveBudget.inconclusive(budget,
                    "the pause histogram only tells that the p99 lies between " + Evidence.duration(low) + " and "
                            + Evidence.duration(high) + " (its log2 bucket, capped by the longest pause), which holds "
                            + Evidence.duration(limitNanos) + ", so it cannot be compared; the longest pause, which is exact, took "
                            + Evidence.duration(p.max())));
        });
    }

    /** The bucket the 99th percentile falls in, ranked as {@link PauseStats} ranks it. */
    private static int p99Bucket(PauseStats p) {
        long rank = (long) Math.ceil(0.99 * p.count());
        long seen = 0;
        List<Long> h = p.log2Histogram();
        for (int b = 0; b < h.size(); b++) {
            seen += h.get(b);
            if (seen >= rank) {
                return b;
            }
        }
        return h.size() - 1;
    }

    /** At most {@code max} objects collected (gc__done's count, exact). */
    public static BudgetCheck gcCollectedAtMost(RecordingScope scope, long max) {
        requireNotNegative(max, "objects collected");
        String budget = "at most " + Evidence.count(max, "object", "objects") + " collected" + scope.where();
        return decide(scope, budget, List.of(GC_PROBE, GC_DONE_PROBE), "collected objects", () -> {
            GcStats gc = scope.sections().gc();
            Optional<BudgetCheck> unpaired = unpaired(scope, budget, "the count of objects collected is short");
            if (unpaired.isPresent()) {
                return unpaired.get();
            }
            String measured = Evidence.count(gc.collected(), "object", "objects") + " collected";
            return gc.collected() <= max ? BudgetCheck.passed(budget, measured)
                    : BudgetCheck.failed(budget, measured, ShouldHaveCollectedAtMost.shouldHaveCollectedAtMost(budget, gc));
        });
    }

    /**
     * A collection whose start or end was not seen: a gc__done with no gc__start on its thread (its
     * pause and count were not recorded), or, in this scope, a collection that started and never
     * ended (the process exited or was stopped inside it, or it still ran when the counters were
     * read): each collection that ends has one pause in the scopes it was counted in, so more
     * collections than pauses are collections without an end.
     */
    private static Optional<BudgetCheck> unpaired(RecordingScope scope, String budget, String consequence) {
        GcStats gc = scope.sections().gc();
        long unended = gc.totalCollections() - gc.pauseNanos().count();
        if (unended > 0) {
            return Optional.of(BudgetCheck.inconclusive(budget, Evidence.count(unended, "collection", "collections")
                            + " without an end",
                    InconclusiveBudget.inconclusive(budget, Evidence.count(unended, "collection", "collections") + " of "
                            + gc.totalCollections() + " started" + scope.where() + " and never ended (the process exited or"
                            + " was stopped inside it, or it still ran when the counters were read), so " + consequence)));
        }
        long unpaired = scope.recording().losses().gcUnpaired();
        if (unpaired == 0) {
            return Optional.empty();
        }
        return Optional.of(BudgetCheck.inconclusive(budget, Evidence.count(unpaired, "unpaired collection", "unpaired collections"),
                InconclusiveBudget.inconclusive(budget, Evidence.count(unpaired, "collection", "collections")
                        + " ended without a recorded start, so " + consequence)));
    }

    // ---- imports --------------------------------------------------------------------------------

    /** No import at all (the kernel's exact count); the tree from the stream is the evidence. */
    public static BudgetCheck noImports(RecordingScope scope) {
        return importCountAtMost(scope, 0);
    }

    /** At most {@code max} imports (the kernel's exact count, not found ones included). */
    public static BudgetCheck importCountAtMost(RecordingScope scope, long max) {
        requireNotNegative(max, "imports");
        String budget = (max == 0 ? "no imports" : "at most " + Evidence.count(max, "import", "imports")) + scope.where();
        return decide(scope, budget, List.of(IMPORT_PROBE), "imports", () -> {
            Sections s = scope.sections();
            String measured = Evidence.count(s.importCount(), "import", "imports")
                    + (s.importCount() == 0 ? "" : " (" + Evidence.duration(Evidence.totalNanos(s.imports())) + ")");
            return s.importCount() <= max ? BudgetCheck.passed(budget, measured)
                    : BudgetCheck.failed(budget, measured, ShouldHaveNoImports.shouldHaveNoImports(budget, s.importCount(),
                            s.imports(), scope.recording().lostEvents()));
        });
    }

    /**
     * No import of these modules or packages: "email" rules out "email" and "email.mime.text", not
     * "emailx". Module names come from the stream; when events were lost and the tree holds fewer
     * imports than the kernel counted, a forbidden one may be among the missing: inconclusive.
     */
    public static BudgetCheck noImportOf(RecordingScope scope, String... modulesOrPackages) {
        if (modulesOrPackages == null || modulesOrPackages.length == 0) {
            throw new IllegalArgumentException("Name at least one module or package, e.g. 'email' or 'xml.dom'.");
        }
        List<String> names = Arrays.stream(modulesOrPackages).map(Globs::requireModuleName).toList();
        String listed = names.stream().map(n -> "'" + n + "'").collect(Collectors.joining(" or "));
        String budget = "no import of " + listed + scope.where();
        return decide(scope, budget, List.of(IMPORT_PROBE), "imports", () -> {
            Sections s = scope.sections();
            List<ImportNode> offending = new ArrayList<>();
            List<String> importedBy = new ArrayList<>();
            s.imports().forEach(root -> outermostMatches(root, "", names, offending, importedBy));
            long matched = offending.stream().mapToLong(root -> countMatching(root, names)).sum();
            if (matched > 0) {
                return BudgetCheck.failed(budget, Evidence.count(matched, "matching module", "matching modules"),
                        ShouldNotImport.shouldNotImport(budget, matched, offending, importedBy));
            }
            long inTree = s.imports().stream().mapToLong(Evidence::size).sum();
            long lost = scope.recording().lostEvents();
            if (inTree < s.importCount()) {
                // Lost events, or (without any) imports counted whose records had not been drained yet.
                String reason = lost > 0
                        ? Evidence.count(lost, "event was", "events were") + " lost from the stream and the import tree holds "
                                + inTree + " of the " + s.importCount() + " imports"
                        : "the import tree holds " + inTree + " of the " + s.importCount() + " imports the kernel counted"
                                + " (the others had not reached the stream when it was read)";
                return BudgetCheck.inconclusive(budget, (s.importCount() - inTree) + " of "
                                + Evidence.count(s.importCount(), "import", "imports") + " not in the tree",
                        InconclusiveBudget.inconclusive(budget, reason + ", so an import of " + listed
                                + " may be among the missing ones"));
            }
            return BudgetCheck.passed(budget, "none of " + Evidence.count(s.importCount(), "import", "imports") + " matched");
        });
    }

    private static void outermostMatches(ImportNode node, String parent, List<String> names, List<ImportNode> out,
                                         List<String> importedBy) {
        if (names.stream().anyMatch(n -> Globs.coversModule(n, node.module()))) {
            out.add(node);
            importedBy.add(parent);
            return;
        }
        node.children().forEach(child -> outermostMatches(child, node.module(), names, out, importedBy));
    }

    private static long countMatching(ImportNode node, List<String> names) {
        long self = names.stream().anyMatch(n -> Globs.coversModule(n, node.module())) ? 1 : 0;
        return self + node.children().stream().mapToLong(child -> countMatching(child, names)).sum();
    }

    /**
     * The imports took less than {@code limit} in all: the cumulative times of the top-level
     * imports, as {@code -X importtime} shows them. Times come from the stream: any lost event
     * makes them unreliable (a lost "done" stretches an import to the end of the recording).
     */
    public static BudgetCheck importTimeBelow(RecordingScope scope, Duration limit) {
        long limitNanos = requirePositive(limit);
        String budget = "less than " + Evidence.duration(limitNanos) + " of imports" + scope.where();
        return decide(scope, budget, List.of(IMPORT_PROBE), "imports", () -> {
            Sections s = scope.sections();
            long lost = scope.recording().lostEvents();
            if (lost > 0) {
                return BudgetCheck.inconclusive(budget, Evidence.count(lost, "event", "events") + " lost",
                        InconclusiveBudget.inconclusive(budget, Evidence.count(lost, "event was", "events were")
                                + " lost from the stream, so the import times are incomplete"));
            }
            long total = Evidence.totalNanos(s.imports());
            String measured = "imports took " + Evidence.duration(total);
            return total < limitNanos ? BudgetCheck.passed(budget, measured)
                    : BudgetCheck.failed(budget, measured,
                            ShouldHaveImportTimeBelow.shouldHaveImportTimeBelow(budget, s.importCount(), s.imports()));
        });
    }

    // ---- calls ----------------------------------------------------------------------------------

    /**
     * At most {@code max} calls of the functions matching {@code fileFunctionGlob}, e.g.
     * {@code "*}{@code /app.py:parse"}: globs on co_filename and co_name, split at the last ':', with the
     * kernel's '*' and '?'. The recording must have counted calls of every function the glob can
     * match: when its call pattern does not cover this glob, the check is inconclusive. So is a glob
     * that matched no function that ran anywhere in the recording: it checked nothing (a renamed
     * function). One that matched elsewhere in the recording (outside the window) is known to be right.
     */
    public static BudgetCheck callsAtMost(RecordingScope scope, String fileFunctionGlob, long max) {
        CallPattern pattern = CallPattern.parse(fileFunctionGlob);
        requireNotNegative(max, "calls");
        String budget = "at most " + Evidence.count(max, "call", "calls") + " of '" + pattern.text() + "'" + scope.where();
        return decide(scope, budget, List.of(CALL_PROBE), "calls", () -> callsLost(scope, budget)
                .or(() -> uncovered(scope, budget, pattern)).orElseGet(() -> {
            List<CallCount> matching = matchingCalls(scope.sections(), pattern);
            if (matching.isEmpty() && matchingCalls(scope.recording().whole(), pattern).isEmpty()) {
                // A pattern that matched nothing anywhere checks nothing: a renamed function would pass for ever. One that
                // matched a function elsewhere in the recording is known to be right, so its 0 in a window is a measurement.
                return BudgetCheck.inconclusive(budget, "no matching function ran", InconclusiveBudget.inconclusive(budget,
                        "no function matching '" + pattern.text() + "' ran in the recording, so the budget checked nothing:"
                                + " check the pattern against the functions that run (a function renamed or moved?)"));
            }
            long n = matching.stream().mapToLong(CallCount::count).sum();
            String measured = Evidence.count(n, "call", "calls");
            return n <= max ? BudgetCheck.passed(budget, measured)
                    : BudgetCheck.failed(budget, measured, ShouldHaveCallsAtMost.shouldHaveCallsAtMost(budget, n, matching));
        }));
    }

    /**
     * Whether the recording's call counts can be read at all: passed when they can, otherwise
     * why not (no call probe, counts with no room in the map). What the busiest functions rest on.
     *
     * @param budget what is asked of them, e.g. "the 5 busiest functions"
     */
    public static BudgetCheck callsCounted(RecordingScope scope, String budget) {
        String scoped = budget + scope.where();
        return decide(scope, scoped, List.of(CALL_PROBE), "calls",
                () -> callsLost(scope, scoped).orElseGet(() -> BudgetCheck.passed(scoped, "calls counted")));
    }

    private static Optional<BudgetCheck> callsLost(RecordingScope scope, String budget) {
        Losses l = scope.recording().losses();
        if (l.calls() > 0) {
            return Optional.of(BudgetCheck.inconclusive(budget, Evidence.count(l.calls(), "call", "calls") + " not counted",
                    InconclusiveBudget.inconclusive(budget, Evidence.count(l.calls(), "call", "calls")
                            + " found no room in the kernel's call map, so the counts may be short")));
        }
        if (l.callPatternSteps() > 0) {
            return Optional.of(BudgetCheck.inconclusive(budget, Evidence.count(l.callPatternSteps(), "name", "names") + " not matched",
                    InconclusiveBudget.inconclusive(budget, Evidence.count(l.callPatternSteps(), "function name was",
                            "function names were") + " too long for the kernel's pattern matcher to decide, so their calls"
                            + " may be missing")));
        }
        return Optional.empty();
    }

    /**
     * Inconclusive when the trace counted calls of another pattern than one covering {@code asked}.
     * A pattern covers a glob when it matches the glob's own text, its wildcards taken as letters
     * ('*' matches them, so "*}{@code /app.py:*" covers "*}{@code /app.py:parse*"); a '?' in the trace's
     * pattern covers only a glob that is the same text.
     */
    private static Optional<BudgetCheck> uncovered(RecordingScope scope, String budget, CallPattern asked) {
        Optional<String> counted = scope.recording().callPattern();
        if (counted.isEmpty()) {
            return Optional.empty(); // a recording that does not say; the call probe is attached
        }
        CallPattern trace = CallPattern.parse(counted.get());
        boolean covers = covers(trace.fileGlob(), asked.fileGlob()) && covers(trace.functionGlob(), asked.functionGlob());
        if (covers) {
            return Optional.empty();
        }
        return Optional.of(BudgetCheck.inconclusive(budget, "calls of '" + trace.text() + "' counted",
                InconclusiveBudget.inconclusive(budget, "the trace counted only calls matching '" + trace.text()
                        + "', which does not cover '" + asked.text() + "': give the workload a call pattern that does")));
    }

    private static boolean covers(String traceGlob, String askedGlob) {
        return traceGlob.equals(askedGlob) || (traceGlob.indexOf('?') < 0 && Globs.matches(traceGlob, askedGlob));
    }

    static List<CallCount> matchingCalls(Sections sections, CallPattern pattern) {
        return sections.calls().stream()
                .filter(c -> Globs.matches(pattern.fileGlob(), c.file()) && Globs.matches(pattern.functionGlob(), c.function()))
                .sorted(BUSIEST_FIRST)
                .toList();
    }

    /** Most calls first; ties by file and function, so that messages do not depend on map order. */
    static final java.util.Comparator<CallCount> BUSIEST_FIRST = java.util.Comparator.comparingLong(CallCount::count).reversed()
            .thenComparing(CallCount::file).thenComparing(CallCount::function);

    // ---- audit ----------------------------------------------------------------------------------

    /**
     * No audit event whose name matches {@code nameOrGlob} ("socket.connect", "subprocess.Popen",
     * "open", "socket.*"), from the kernel's exact counts per event name.
     */
    public static BudgetCheck noAuditEvent(RecordingScope scope, String nameOrGlob) {
        String glob = Globs.requireEventGlob(nameOrGlob);
        String budget = "no audit event '" + glob + "'" + scope.where();
        return decide(scope, budget, List.of(AUDIT_PROBE), "audit events", () -> {
            List<AuditCount> matching = scope.sections().audit().stream().filter(a -> Globs.matches(glob, a.event()))
                    .sorted((a, b) -> a.count() != b.count() ? Long.compare(b.count(), a.count()) : a.event().compareTo(b.event()))
                    .toList();
            long n = matching.stream().mapToLong(AuditCount::count).sum();
            if (n > 0) {
                // Where each first fired comes from the stream: shown only when the stream is whole.
                List<AuditEvent> stream = scope.recording().lostEvents() == 0 ? scope.sections().auditEvents() : List.of();
                return BudgetCheck.failed(budget, Evidence.count(n, "matching event", "matching events"),
                        ShouldHaveNoAuditEvent.shouldHaveNoAuditEvent(budget, matching, stream));
            }
            long lost = scope.recording().losses().audit();
            if (lost > 0) {
                return BudgetCheck.inconclusive(budget, Evidence.count(lost, "event", "events") + " not counted",
                        InconclusiveBudget.inconclusive(budget, Evidence.count(lost, "audit event", "audit events")
                                + " found no room in the kernel's audit map, so '" + glob + "' may have fired unseen"));
            }
            return BudgetCheck.passed(budget, "no matching event");
        });
    }

    // ---- what every check does first -------------------------------------------------------------

    /**
     * The steps every budget shares, in order: the window must exist, the probes must have been
     * attached, and a window's counts must not be in doubt; then {@code measure} decides.
     */
    private static BudgetCheck decide(RecordingScope scope, String budget, List<String> probes, String what,
                                      Supplier<BudgetCheck> measure) {
        Optional<BudgetCheck> window = windowCheck(scope, budget);
        if (window.isPresent()) {
            return window.get();
        }
        Recording r = scope.recording();
        for (String probe : probes) {
            if (!r.measures(probe)) {
                return BudgetCheck.inconclusive(budget, "no " + probe + " probe",
                        InconclusiveBudget.inconclusive(budget, missingProbe(r, probe, what)));
            }
        }
        return windowMarksLost(scope, budget, "the counts of every window are in doubt").orElseGet(measure);
    }

    /** What every check looks at before measuring, for checks (baselines) that need no particular probe. */
    public static Optional<BudgetCheck> scopeTrouble(RecordingScope scope, String budget) {
        return windowCheck(scope, budget).or(() -> windowMarksLost(scope, budget, "the counts of every window are in doubt"));
    }

    /** The window exists: failed when it does not, inconclusive when window marks were lost. */
    public static BudgetCheck hasWindow(RecordingScope scope) {
        String budget = "a window named '" + scope.window().orElseThrow(() ->
                new IllegalArgumentException("The whole run is not a window: give a window's scope.")) + "'";
        if (scope.exists()) {
            return BudgetCheck.passed(budget, "present");
        }
        return windowMarksLost(scope, budget, "the window may have been missed")
                .orElseGet(() -> BudgetCheck.failed(budget, "no such window", ShouldHaveWindow.shouldHaveWindow(scope)));
    }

    /** Nothing for a window that is there; otherwise the check says why it is not. */
    private static Optional<BudgetCheck> windowCheck(RecordingScope scope, String budget) {
        if (scope.exists()) {
            return Optional.empty();
        }
        return Optional.of(windowMarksLost(scope, budget, "the window may have been missed")
                .orElseGet(() -> BudgetCheck.failed(budget, "no such window", ShouldHaveWindow.shouldHaveWindow(budget, scope))));
    }

    private static Optional<BudgetCheck> windowMarksLost(RecordingScope scope, String budget, String consequence) {
        long marks = scope.windowMarksNotFollowed();
        if (marks == 0) {
            return Optional.empty();
        }
        Losses l = scope.recording().losses();
        List<String> why = new ArrayList<>();
        reason(why, l.windowSlots(), "beyond the limit of distinct window names");
        reason(why, l.windowDepth(), "nested too deep");
        reason(why, l.windowNames(), "with a name that is not a readable str");
        reason(why, l.windowThreads(), "on a thread that found no room among the threads with windows open");
        reason(why, scope.unfollowedEnds(), "ending " + scope.name() + " on a thread where it was not open (an end closes"
                + " a window only on the thread that opened it, so it stayed open there)");
        return Optional.of(BudgetCheck.inconclusive(budget, Evidence.count(marks, "window mark", "window marks") + " lost",
                InconclusiveBudget.inconclusive(budget, String.format(Locale.ROOT, "%s could not be followed (%s), so %s",
                        Evidence.count(marks, "window mark", "window marks"), String.join(", ", why), consequence))));
    }

    private static void reason(List<String> why, long n, String what) {
        if (n > 0) {
            why.add(n + " " + what);
        }
    }

    /** Why a probe's counts are not there: this CPython lacks it, or it was not asked for. */
    static String missingProbe(Recording r, String probe, String what) {
        String python = "CPython " + r.python().version();
        if (CALL_PROBE.equals(probe) && r.missingProbes().contains(CALLS_IN_PROCESS)) {
            return "the in-process call counter did not count in this run (the recording's missingProbesReason says why), so "
                    + what + " cannot be counted";
        }
        if (r.missingProbes().contains(probe)) {
            String history = CALL_PROBE.equals(probe) && isAtLeast312(r.python().version()) ? " (CPython 3.12 removed it)" : "";
            return python + " has no " + probe + " probe" + history + ", so " + what + " cannot be counted";
        }
        if (CALL_PROBE.equals(probe)) {
            return "calls were not counted: the trace had no call pattern (TraceOptions.withCallPattern), so there is"
                    + " nothing to compare";
        }
        return "the " + probe + " probe was not attached, so " + what + " were not counted";
    }

    private static boolean isAtLeast312(String version) {
        String[] parts = version.split("\\.");
        try {
            int major = Integer.parseInt(parts[0]);
            int minor = parts.length > 1 ? Integer.parseInt(parts[1].replaceAll("\\D.*", "")) : 0;
            return major > 3 || (major == 3 && minor >= 12);
        } catch (NumberFormatException e) {
            return false;
        }
    }

    // ---- arguments ------------------------------------------------------------------------------

    static void requireGeneration(int generation) {
        if (generation < 0 || generation > 2) {
            throw new IllegalArgumentException("CPython has the generations 0, 1 and 2, not " + generation + ".");
        }
    }

    static void requireNotNegative(long max, String what) {
        if (max < 0) {
            throw new IllegalArgumentException("A budget of " + what + " must not be negative, got " + max + ".");
        }
    }

    static long requirePositive(Duration limit) {
        if (limit == null || limit.isNegative() || limit.isZero()) {
            throw new IllegalArgumentException("A time budget must be a positive duration, got " + limit + ".");
        }
        return limit.toNanos();
    }
}

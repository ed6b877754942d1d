package dev.pybudget.assertions.baseline;

import dev.pybudget.assertions.RecordingScope;

import dev.pybudget.assertions.internal.FamilyChecks;
import dev.pybudget.assertions.internal.Evidence;
import dev.pybudget.recording.AuditCount;
import dev.pybudget.recording.CallCount;
import dev.pybudget.recording.GcStats;
import dev.pybudget.recording.ImportNode;
import dev.pybudget.recording.Losses;
import dev.pybudget.recording.Recording;
import dev.pybudget.recording.Sections;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * The metrics of one scope as a baseline keeps them, each with how far it can be trusted.
 * Keys: gc.collections.gen0..2, gc.collected, imports.count, imports.modules, calls[FILE:FUNCTION],
 * audit[EVENT], and the times gc.pause.maxNanos, gc.pause.p99Nanos, imports.totalNanos.
 */
public final class BaselineMetrics {

    /** How a measured value relates to the truth. */
    enum Bound {
        EXACT,
        /** Some occurrences went uncounted (a full map, an unpaired collection): the truth may be higher. */
        AT_LEAST,
        /** Could be off either way (times from a stream that lost events). */
        UNKNOWN
    }

    record Value(long value, Bound bound, String why) {}

    static final String MODULES = "imports.modules";
    static final String[] FIXED = {"gc.collections.gen0", "gc.collections.gen1", "gc.collections.gen2", "gc.collected",
        "imports.count"};
    static final String[] TIMES = {"gc.pause.maxNanos", "gc.pause.p99Nanos", "imports.totalNanos"};

    final SortedMap<String, Value> counts = new TreeMap<>();
    final SortedSet<String> modules = new TreeSet<>();
    Bound modulesBound = Bound.EXACT;
    String modulesWhy = "";
    /** Why this recording has no metrics of a group (no probe). */
    final Map<MetricGroup, String> unmeasured = new EnumMap<>(MetricGroup.class);
    /** Why a group's counts may be short (full maps): a name the recording lacks may still have occurred. */
    final Map<MetricGroup, String> lossy = new EnumMap<>(MetricGroup.class);

    static boolean isTime(String key) {
        return key.endsWith("Nanos");
    }

    /**
     * @param times      the time metrics to include (those given a tolerance): times are noisy, never baselined by default
     * @param sourceRoot call sites under it are keyed relative to it, so a baseline holds on any checkout
     */
    static BaselineMetrics of(RecordingScope scope, Predicate<String> times, Optional<Path> sourceRoot) {
        BaselineMetrics m = new BaselineMetrics();
        Recording r = scope.recording();
        Sections s = scope.sections();
        for (MetricGroup group : MetricGroup.values()) {
            if (!r.measures(group.probe())) {
                m.unmeasured.put(group, FamilyChecks.missingProbe(r, group.probe(), group.what()));
                continue;
            }
            switch (group) {
                case GC -> m.gc(r, s.gc(), times);
                case IMPORTS -> m.imports(r, s, times);
                case CALLS -> m.calls(r, s, sourceRoot);
                case AUDIT -> m.audit(r, s);
            }
        }
        return m;
    }

    private void gc(Recording r, GcStats gc, Predicate<String> times) {
        Losses l = r.losses();
        for (int g = 0; g < 3; g++) {
            counts.put("gc.collections.gen" + g, new Value(gc.collections(g), Bound.EXACT, ""));
        }
        boolean paired = r.measures(FamilyChecks.GC_DONE_PROBE) && l.gcUnpaired() == 0;
        String why = !r.measures(FamilyChecks.GC_DONE_PROBE) ? FamilyChecks.missingProbe(r, FamilyChecks.GC_DONE_PROBE, "pauses")
                : Evidence.count(l.gcUnpaired(), "collection", "collections") + " ended without a recorded start";
        counts.put("gc.collected", new Value(gc.collected(), paired ? Bound.EXACT : Bound.AT_LEAST, paired ? "" : why));
        if (times.test("gc.pause.maxNanos")) {
            counts.put("gc.pause.maxNanos", new Value(gc.pauseNanos().max(), paired ? Bound.EXACT : Bound.AT_LEAST,
                    paired ? "" : why));
        }
        if (times.test("gc.pause.p99Nanos")) {
            // The p99 is the upper bound of its log2 bucket: it moves in steps of two, which is what its tolerance must allow.
            counts.put("gc.pause.p99Nanos", new Value(gc.pauseNanos().p99(), paired ? Bound.EXACT : Bound.UNKNOWN,
                    paired ? "" : why));
        }
    }

    private void imports(Recording r, Sections s, Predicate<String> times) {
        counts.put("imports.count", new Value(s.importCount(), Bound.EXACT, ""));
        s.imports().forEach(root -> root.forEach(node -> modules.add(node.module())));
        long inTree = s.imports().stream().mapToLong(Evidence::size).sum();
        String lost = Evidence.count(r.lostEvents(), "event was", "events were") + " lost from the stream";
        if (r.lostEvents() > 0 && inTree < s.importCount()) {
            modulesBound = Bound.AT_LEAST;
            modulesWhy = lost + " (the tree holds " + inTree + " of the " + s.importCount() + " imports)";
        }
        if (times.test("imports.totalNanos")) {
            long total = s.imports().stream().mapToLong(ImportNode::durationNanos).sum();
            counts.put("imports.totalNanos", new Value(total, r.lostEvents() > 0 ? Bound.UNKNOWN : Bound.EXACT,
                    r.lostEvents() > 0 ? lost : ""));
        }
    }

    private void calls(Recording r, Sections s, Optional<Path> sourceRoot) {
        Losses l = r.losses();
        boolean complete = l.calls() == 0 && l.callPatternSteps() == 0;
        String why = l.calls() > 0 ? Evidence.count(l.calls(), "call", "calls") + " found no room in the kernel's call map"
                : Evidence.count(l.callPatternSteps(), "function name was", "function names were")
                + " too long for the kernel's pattern matcher";
        for (CallCount c : s.calls()) {
            counts.merge(MetricGroup.CALLS.prefix() + relative(c.file(), sourceRoot) + ":" + c.function() + "]",
                    new Value(c.count(), complete ? Bound.EXACT : Bound.AT_LEAST, complete ? "" : why),
                    (a, b) -> new Value(a.value() + b.value(), a.bound(), a.why()));
        }
        if (!complete) {
            lossy.put(MetricGroup.CALLS, why);
        }
    }

    private void audit(Recording r, Sections s) {
        Losses l = r.losses();
        boolean complete = l.audit() == 0;
        String why = Evidence.count(l.audit(), "audit event", "audit events") + " found no room in the kernel's audit map";
        for (AuditCount a : s.audit()) {
            counts.put(MetricGroup.AUDIT.prefix() + a.event() + "]", new Value(a.count(), complete ? Bound.EXACT : Bound.AT_LEAST,
                    complete ? "" : why));
        }
        if (!complete) {
            lossy.put(MetricGroup.AUDIT, why);
        }
    }

    /**
     * The value of {@code key} in this recording: what was counted, or zero for a name that never
     * occurred (with the group's losses, "at least zero"); empty when the group was not measured.
     */
    Optional<Value> value(String key) {
        MetricGroup group = MetricGroup.of(key);
        if (unmeasured.containsKey(group)) {
            return Optional.empty();
        }
        Value counted = counts.get(key);
        if (counted != null) {
            return Optional.of(counted);
        }
        if (!group.perName()) {
            return Optional.empty(); // a time metric without a tolerance, or a key this version does not know
        }
        String why = lossy.get(group);
        return Optional.of(why == null ? new Value(0, Bound.EXACT, "") : new Value(0, Bound.AT_LEAST, why));
    }

    public static String relative(String file, Optional<Path> root) {
        if (root.isEmpty() || !file.startsWith("/")) {
            return file;
        }
        String prefix = root.get().toAbsolutePath().normalize().toString();
        prefix = prefix.endsWith("/") ? prefix : prefix + "/";
        return file.startsWith(prefix) ? file.substring(prefix.length()) : file;
    }

    /** "gen-2 collections", "calls of app.py:parse", "audit events 'open'": how a person names the metric. */
    static String displayName(String key) {
        if (key.startsWith("gc.collections.gen")) {
            return "gen-" + key.substring("gc.collections.gen".length()) + " collections";
        }
        if (key.startsWith(MetricGroup.CALLS.prefix())) {
            return "calls of " + key.substring(6, key.length() - 1);
        }
        if (key.startsWith(MetricGroup.AUDIT.prefix())) {
            return "audit events '" + key.substring(6, key.length() - 1) + "'";
        }
        return switch (key) {
            case "gc.collected" -> "objects collected";
            case "gc.pause.maxNanos" -> "longest collection pause";
            case "gc.pause.p99Nanos" -> "p99 collection pause";
            case "imports.count" -> "imports";
            case "imports.totalNanos" -> "import time";
            case MODULES -> "modules imported";
            default -> key;
        };
    }
}

package dev.pybudget.recording;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What happened between two readings of one trace: the later counts minus the earlier ones. */
final class Deltas {
    private Deltas() {}

    static Recording between(Recording earlier, Recording later) {
        if (earlier.python().pid() != later.python().pid() || earlier.wallNanos() > later.wallNanos()) {
            throw new IllegalArgumentException("Both recordings must come from one trace, the earlier one first.");
        }
        long since = earlier.wallNanos();
        Map<String, Window> before = new LinkedHashMap<>();
        earlier.windows().forEach(w -> before.put(w.name(), w));
        List<Window> windows = new ArrayList<>();
        for (Window w : later.windows()) {
            Window old = before.get(w.name());
            Sections delta = old == null ? w.sections() : sections(old.sections(), w.sections(), since);
            long unfollowedEnds = w.unfollowedEnds() - (old == null ? 0 : old.unfollowedEnds());
            if (old == null || isActive(delta) || unfollowedEnds > 0) {
                windows.add(new Window(w.name(), delta, unfollowedEnds,
                        w.spans().stream().filter(s -> s.endNanos() >= since).toList()));
            }
        }
        Losses losses = later.losses().minus(earlier.losses());
        return new Recording(later.python(), later.probes(), later.missingProbes(), later.wallNanos() - since,
                sections(earlier.whole(), later.whole(), since), later.lostEvents() - earlier.lostEvents(), losses,
                windows, later.exitStatus(), later.callPattern(), later.missingProbesReason());
    }

    /** A window that did anything at all, its own begin mark included. */
    private static boolean isActive(Sections s) {
        return s.gc().totalCollections() > 0 || s.importCount() > 0 || !s.calls().isEmpty() || !s.audit().isEmpty()
                || s.families().values().stream().anyMatch(f -> !f.isEmpty());
    }

    private static Sections sections(Sections a, Sections b, long since) {
        List<ImportNode> imports = new ArrayList<>();
        b.imports().forEach(root -> startedSince(root, since, imports));
        List<CallCount> calls = new ArrayList<>();
        Map<String, Long> oldCalls = new LinkedHashMap<>();
        a.calls().forEach(c -> oldCalls.put(c.qualifiedName(), c.count()));
        for (CallCount c : b.calls()) {
            long n = c.count() - oldCalls.getOrDefault(c.qualifiedName(), 0L);
            if (n > 0) {
                calls.add(new CallCount(c.file(), c.function(), n));
            }
        }
        calls.sort((x, y) -> Long.compare(y.count(), x.count()));
        List<AuditCount> audit = new ArrayList<>();
        Map<String, Long> oldAudit = new LinkedHashMap<>();
        a.audit().forEach(e -> oldAudit.put(e.event(), e.count()));
        for (AuditCount e : b.audit()) {
            long n = e.count() - oldAudit.getOrDefault(e.event(), 0L);
            if (n > 0) {
                audit.add(new AuditCount(e.event(), n));
            }
        }
        audit.sort((x, y) -> Long.compare(y.count(), x.count()));
        List<AuditEvent> events = b.auditEvents().stream().filter(e -> e.nanos() >= since).toList();
        Map<String, Section<?>> families = new LinkedHashMap<>();
        b.families().forEach((family, later) -> families.put(family,
                a.families().containsKey(family) ? Section.minus(later, a.families().get(family)) : later));
        return new Sections(gc(a.gc(), b.gc()), b.importCount() - a.importCount(), imports, calls, audit, events, families);
    }

    /** Imports that started at or after {@code since}, each with its subtree. */
    private static void startedSince(ImportNode node, long since, List<ImportNode> out) {
        if (node.startNanos() >= since) {
            out.add(node);
        } else {
            node.children().forEach(child -> startedSince(child, since, out));
        }
    }

    private static GcStats gc(GcStats a, GcStats b) {
        List<Long> collections = new ArrayList<>();
        for (int g = 0; g < 3; g++) {
            collections.add(b.collections(g) - a.collections(g));
        }
        List<Long> histogram = new ArrayList<>();
        int highest = -1;
        for (int i = 0; i < b.pauseNanos().log2Histogram().size(); i++) {
            long n = b.pauseNanos().log2Histogram().get(i) - a.pauseNanos().log2Histogram().get(i);
            histogram.add(n);
            if (n > 0) {
                highest = i;
            }
        }
        // The kernel keeps one running maximum: when it grew, the new maximum happened in between;
        // otherwise the highest bucket bounds it.
        long max = b.pauseNanos().max() > a.pauseNanos().max() ? b.pauseNanos().max()
                : highest < 0 ? 0 : Math.min(b.pauseNanos().max(), highest >= 62 ? Long.MAX_VALUE : (1L << (highest + 1)) - 1);
        return new GcStats(collections, b.collected() - a.collected(),
                PauseStats.fromHistogram(max, b.pauseNanos().totalNanos() - a.pauseNanos().totalNanos(), histogram));
    }

}

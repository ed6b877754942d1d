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
        return s.families().values().stream().anyMatch(f -> !f.isEmpty());
    }

    /** Each family's later section minus its earlier one; a family only the later reading has is all new. */
    private static Sections sections(Sections a, Sections b, long since) {
        Map<String, Section<?>> families = new LinkedHashMap<>();
        b.families().forEach((family, later) -> families.put(family,
                a.families().containsKey(family) ? Section.minus(later, a.families().get(family), since) : later));
        return new Sections(families);
    }
}

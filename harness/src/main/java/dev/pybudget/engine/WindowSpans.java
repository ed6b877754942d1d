package dev.pybudget.engine;

import dev.pybudget.recording.WindowSpan;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The times each window was open, per name. Python windows come from their begin and end marks in the event
 * stream, paired per thread as the kernel pairs them (an end closes the innermost open window of its name on
 * its thread; an end with none open closes nothing); Java windows from the instants they were opened and closed.
 */
final class WindowSpans {
    private final Map<String, List<WindowSpan>> byName = new LinkedHashMap<>();

    private record Open(String name, long startNanos) {}

    /** Python windows' spans; a window still open at {@code nowNanos} lasts until then. */
    static WindowSpans fromMarks(List<StreamEvent> events, long originNanos, long nowNanos) {
        WindowSpans spans = new WindowSpans();
        Map<Long, List<Open>> openByThread = new HashMap<>();
        for (StreamEvent e : events) {
            if (e.kind() == Layout.EV_WINDOW_BEGIN) {
                openByThread.computeIfAbsent(e.tid(), t -> new ArrayList<>()).add(new Open(e.name(), e.tsNanos() - originNanos));
            } else if (e.kind() == Layout.EV_WINDOW_END) {
                List<Open> open = openByThread.getOrDefault(e.tid(), List.of());
                for (int i = open.size() - 1; i >= 0; i--) {
                    if (open.get(i).name().equals(e.name())) {
                        Open o = open.remove(i);
                        spans.add(o.name(), new WindowSpan(e.tid(), o.startNanos(), e.tsNanos() - originNanos - o.startNanos(), false));
                        break;
                    }
                }
            }
        }
        openByThread.forEach((tid, open) -> open.forEach(o -> spans.add(o.name(),
                new WindowSpan(tid, o.startNanos(), Math.max(0, nowNanos - originNanos - o.startNanos()), true))));
        return spans;
    }

    void add(String name, WindowSpan span) {
        byName.computeIfAbsent(name, n -> new ArrayList<>()).add(span);
    }

    /** The spans of {@code name}, in the order they began. */
    List<WindowSpan> of(String name) {
        List<WindowSpan> spans = new ArrayList<>(byName.getOrDefault(name, List.of()));
        spans.sort(Comparator.comparingLong(WindowSpan::startNanos).thenComparingLong(WindowSpan::thread));
        return spans;
    }
}

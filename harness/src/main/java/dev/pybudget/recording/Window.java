package dev.pybudget.recording;

import java.util.List;

/**
 * A named part of the run. Marked from Python with sys.audit("pybudget.begin"/"pybudget.end", name),
 * it holds what ran on the marking thread between the marks (or until the thread exited); opened
 * from Java, it holds everything in the process between two instants. A repeated name adds up; a
 * name opened both from Python and from Java is one window, each event counted once.
 *
 * @param unfollowedEnds end marks of this window on a thread where it was not open: each closed
 *                       nothing, so the window may hold more than the workload meant it to (it
 *                       stayed open on the thread that opened it)
 * @param spans          the times it was open, in the order they began (read from the event stream:
 *                       complete when no event was lost); empty in recordings of earlier versions
 */
public record Window(String name, Sections sections, long unfollowedEnds, List<WindowSpan> spans) {

    public Window {
        spans = List.copyOf(spans);
    }

    public Window(String name, Sections sections, long unfollowedEnds) {
        this(name, sections, unfollowedEnds, List.of());
    }

    public Window(String name, Sections sections) {
        this(name, sections, 0);
    }
}

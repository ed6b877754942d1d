package dev.pybudget.recording;

import java.util.List;

/**
 * A named part of the run. Marked from Python with sys.audit("pybudget.begin"/"pybudget.end", name),
 * it holds what ran on the marking thread between the marks; opened from Java, it holds everything
 * in the process between two instants. A repeated name adds up: {@code spans} are the times it was
 * open, in the order they began (read from the event stream: complete when no event was lost).
 */
public record Window(String name, Sections sections, List<WindowSpan> spans) {

    public Window {
        spans = List.copyOf(spans);
    }

    /** A window whose times are not known (recordings of earlier versions). */
    public Window(String name, Sections sections) {
        this(name, sections, List.of());
    }
}

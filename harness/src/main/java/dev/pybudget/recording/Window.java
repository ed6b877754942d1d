package dev.pybudget.recording;

/**
 * A named part of the run. Marked from Python with sys.audit("pybudget.begin"/"pybudget.end", name),
 * it holds what ran on the marking thread between the marks; opened from Java, it holds everything
 * in the process between two instants. A repeated name adds up.
 */
public record Window(String name, Sections sections) {}

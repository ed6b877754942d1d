package dev.pybudget.recording;

/**
 * One time a window was open: from its begin mark to its end mark, in nanoseconds from the recording's start.
 *
 * @param thread        the thread that marked it (a Python window), or {@link #PROCESS} for a window opened
 *                      from Java, which holds the whole process
 * @param open          true when the window was still open when the recording was read: it lasts until then
 */
public record WindowSpan(long thread, long startNanos, long durationNanos, boolean open) {

    /** The thread of a span that holds the whole process (a window opened from Java). */
    public static final long PROCESS = 0;

    public long endNanos() {
        return startNanos + durationNanos;
    }

    public boolean wholeProcess() {
        return thread == PROCESS;
    }
}

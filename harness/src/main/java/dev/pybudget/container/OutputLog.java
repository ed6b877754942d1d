package dev.pybudget.container;

import java.util.List;

/** The container's output as it arrives; a reader can wait for more instead of polling. */
final class OutputLog {

    private final StringBuilder text = new StringBuilder();

    synchronized void append(String more) {
        text.append(more);
        notifyAll();
    }

    /** Returns once the output is longer than {@code seen} characters, or after {@code millis}. */
    synchronized void awaitMore(int seen, long millis) throws InterruptedException {
        if (text.length() <= seen) {
            wait(millis);
        }
    }

    /** The last {@code lines} lines, at most {@code chars} characters of them, or "(nothing)". */
    synchronized String tail(int lines, int chars) {
        String all = text.toString().strip();
        if (all.isEmpty()) {
            return "(nothing)";
        }
        List<String> kept = all.lines().toList();
        String tail = String.join(System.lineSeparator(), kept.subList(Math.max(0, kept.size() - lines), kept.size()));
        return tail.length() > chars ? "..." + tail.substring(tail.length() - chars) : tail;
    }

    @Override
    public synchronized String toString() {
        return text.toString();
    }
}

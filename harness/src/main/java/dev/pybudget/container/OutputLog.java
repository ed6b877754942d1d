package dev.pybudget.container;

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

    @Override
    public synchronized String toString() {
        return text.toString();
    }
}

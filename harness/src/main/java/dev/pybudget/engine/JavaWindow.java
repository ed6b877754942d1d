package dev.pybudget.engine;

/** A window opened from Java; {@link #close()} ends it. */
public final class JavaWindow implements WindowHandle {
    private final Trace trace;
    private final String name;
    private final int index;

    JavaWindow(Trace trace, String name, int index) {
        this.trace = trace;
        this.name = name;
        this.index = index;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void close() {
        trace.closeWindow(index);
    }
}

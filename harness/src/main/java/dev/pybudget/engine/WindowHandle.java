package dev.pybudget.engine;

/** An open window; closing it ends the window. */
public interface WindowHandle extends AutoCloseable {
    String name();

    @Override
    void close();
}

package dev.pybudget.engine;

/** For measurements: waits for the engine's background work without freeing what it loaded ahead. */
public final class BackgroundWork {
    private BackgroundWork() {}

    /** Returns once ended traces are detached and the objects of a next trace are loaded (and kept). */
    public static void await() {
        BpfObjects.awaitDetached();
        LoadedAhead.awaitLoaded();
    }
}

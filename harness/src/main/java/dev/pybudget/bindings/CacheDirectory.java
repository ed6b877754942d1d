package dev.pybudget.bindings;

import java.nio.file.Path;

/** Where pybudget keeps what it works out once per machine: {@code $XDG_CACHE_HOME/pybudget}, else {@code ~/.cache/pybudget}. */
public final class CacheDirectory {

    public static Path path() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isEmpty() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("pybudget");
    }

    private CacheDirectory() {}
}

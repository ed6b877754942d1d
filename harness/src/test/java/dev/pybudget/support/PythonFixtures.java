package dev.pybudget.support;

import static org.assertj.core.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the repository's python-fixtures/ are: {@code workloads/} (what the tests trace), {@code support/}
 * (oracle.py, which every workload imports from sys.path) and {@code tools/} (verify.py, crosscheck.py).
 * Tests run in harness/; the fixtures live next to it.
 */
public final class PythonFixtures {
    private PythonFixtures() {}

    public static final Path ROOT = Path.of("..", "python-fixtures").toAbsolutePath().normalize();
    public static final Path WORKLOADS = ROOT.resolve("workloads");
    /** Holds oracle.py, which a workload finds through the sys.path entry it adds, relative to its own file. */
    public static final Path SUPPORT = ROOT.resolve("support");
    public static final Path TOOLS = ROOT.resolve("tools");

    /** A workload file or folder, e.g. {@code gc_churn.py}, {@code lazy_import/app.py} or {@code lazy_import_service}. */
    public static Path workload(String relative) {
        return existing(WORKLOADS.resolve(relative));
    }

    /** A tool, e.g. {@code verify.py}. */
    public static Path tool(String name) {
        return existing(TOOLS.resolve(name));
    }

    private static Path existing(Path path) {
        if (!Files.exists(path)) {
            fail(path + " is missing: the python-fixtures/ directory of the repository holds it");
        }
        return path;
    }
}

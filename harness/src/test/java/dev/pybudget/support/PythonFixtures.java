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
    /** Holds oracle.py; on the PYTHONPATH of every workload (harness/pom.xml sets it for the test JVM's children). */
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

    /**
     * Fails unless a child of this JVM finds oracle.py: the workloads import it from sys.path, and Maven's
     * surefire puts {@link #SUPPORT} on PYTHONPATH (an IDE run must do the same).
     */
    public static void requireOracleImportable() {
        String path = System.getenv("PYTHONPATH");
        if (path == null || !java.util.Arrays.stream(path.split(":")).map(p -> Path.of(p).toAbsolutePath().normalize())
                .toList().contains(SUPPORT)) {
            fail("The workloads import oracle.py from PYTHONPATH, which is " + path + ": run the tests with Maven"
                    + " (harness/pom.xml sets it) or set PYTHONPATH=" + SUPPORT);
        }
    }
}

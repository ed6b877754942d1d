package dev.pybudget.support;

import static org.assertj.core.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;

/** The CPython the local tests trace: Debian's python3.11, which carries every USDT marker. */
public final class Pythons {
    private Pythons() {}

    public static final Path DEBIAN = Path.of("/usr/bin/python3.11");

    /** {@link #DEBIAN}; a missing one fails the test with the way to get it, never skips it. */
    public static Path debian() {
        if (!Files.isRegularFile(DEBIAN)) {
            fail(DEBIAN + " is missing: apt-get install -y python3.11-minimal (Debian 12; it has the USDT notes)");
        }
        return DEBIAN;
    }
}

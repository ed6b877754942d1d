package dev.pybudget.elf;

import java.nio.file.Path;
import java.util.List;

/**
 * A CPython lacks USDT probes a caller needs. The message is one sentence that says which binary,
 * which probes and why they are absent; it is meant to be shown to the user as is.
 */
public final class MissingProbeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient Path binary;
    private final List<String> missing;

    public MissingProbeException(Path binary, List<String> missing, String message) {
        super(message);
        this.binary = binary;
        this.missing = List.copyOf(missing);
    }

    /** The Python executable the user named (after resolving symlinks). */
    public Path binary() {
        return binary;
    }

    /** The requested probe names that are absent, in the order they were requested. */
    public List<String> missing() {
        return missing;
    }
}

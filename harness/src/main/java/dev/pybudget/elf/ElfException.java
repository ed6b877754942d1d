package dev.pybudget.elf;

/**
 * A file that this package cannot use as a 64-bit little-endian x86-64/aarch64 ELF binary, or an ELF
 * binary whose contents contradict themselves. The message is one sentence that names the file.
 */
public final class ElfException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ElfException(String message) {
        super(message);
    }
}

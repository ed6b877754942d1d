package dev.pybudget.elf;

import java.nio.file.Path;

/**
 * One USDT marker as recorded in a {@code .note.stapsdt} note. A probe compiled at several call sites
 * (or inlined) has one note, hence one {@code UsdtProbe}, per site; all sites of a provider:name share
 * one semaphore.
 *
 * @param provider  e.g. {@code python}
 * @param name      e.g. {@code gc__start}
 * @param location  link-time address of the probe instruction, as in the note
 * @param base      link-time address of {@code .stapsdt.base}, as in the note
 * @param semaphore link-time address of the 16-bit semaphore, 0 if the probe has none
 * @param arguments argument spec, e.g. {@code 8@%rbp 8@%r12 -4@%eax} (aarch64: {@code -4@[sp, 12]})
 * @param binary    the file the note was read from (where to attach)
 */
public record UsdtProbe(String provider, String name, long location, long base, long semaphore, String arguments,
        Path binary) {

    /**
     * Number of arguments. Specs are separated by spaces, but an aarch64 memory operand such as
     * {@code [sp, 12]} contains one, so spaces inside brackets do not separate.
     */
    public int argCount() {
        int count = 0, depth = 0;
        boolean inToken = false;
        for (int i = 0; i < arguments.length(); i++) {
            char c = arguments.charAt(i);
            if (c == '[') {
                depth++;
            } else if (c == ']') {
                depth--;
            }
            if (Character.isWhitespace(c) && depth == 0) {
                inToken = false;
            } else if (!inToken) {
                inToken = true;
                count++;
            }
        }
        return count;
    }

    public boolean hasSemaphore() {
        return semaphore != 0;
    }

    /**
     * The semaphore's address in a file whose {@code .stapsdt.base} section is at
     * {@code actualStapsdtBase}: prelink moves sections after the notes were written, and the note's
     * base records where {@code .stapsdt.base} was, so the difference is the shift.
     *
     * @throws IllegalStateException if the probe has no semaphore
     */
    public long semaphoreAddress(long actualStapsdtBase) {
        if (!hasSemaphore()) {
            throw new IllegalStateException(provider + ":" + name + " in " + binary + " has no semaphore");
        }
        return semaphore + (actualStapsdtBase - base);
    }

    /**
     * The probe instruction's offset in the file {@code elf} (the ELF of {@link #binary()}): where a uprobe
     * goes. Shifted as the semaphore is when prelink moved {@code .stapsdt.base} (as libbpf does).
     *
     * @throws ElfException if the address is not file-backed in any PT_LOAD segment
     */
    public long locationFileOffset(ElfFile elf) {
        long actualBase = elf.section(".stapsdt.base").map(ElfFile.Section::address).orElse(base);
        return elf.fileOffset(location + (actualBase - base));
    }

    /**
     * The semaphore's offset in the file {@code elf} (the ELF of {@link #binary()}): what the kernel
     * takes as a uprobe's reference counter offset. Without a {@code .stapsdt.base} section no prelink
     * adjustment is possible and none is made (as libbpf does).
     *
     * @throws IllegalStateException if the probe has no semaphore
     * @throws ElfException if the address is not file-backed in any PT_LOAD segment
     */
    public long semaphoreFileOffset(ElfFile elf) {
        long actualBase = elf.section(".stapsdt.base").map(ElfFile.Section::address).orElse(base);
        return elf.fileOffset(semaphoreAddress(actualBase));
    }
}

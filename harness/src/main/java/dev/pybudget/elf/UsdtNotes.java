package dev.pybudget.elf;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Reads the SystemTap SDT notes ({@code .note.stapsdt}) of an ELF binary. */
public final class UsdtNotes {

    static final String SECTION = ".note.stapsdt";
    private static final int NT_STAPSDT = 3;
    private static final String OWNER = "stapsdt";

    private UsdtNotes() {
    }

    /** All probes of all providers in {@code binary}, in note order; empty if it has no {@code .note.stapsdt}. */
    public static List<UsdtProbe> read(Path binary) throws IOException {
        return read(ElfFile.read(binary));
    }

    /** All probes of all providers in {@code elf}, in note order; empty if it has no {@code .note.stapsdt}. */
    public static List<UsdtProbe> read(ElfFile elf) throws IOException {
        List<UsdtProbe> probes = new ArrayList<>();
        for (ElfFile.Note note : elf.notes(SECTION)) {
            if (note.type() != NT_STAPSDT || !note.owner().equals(OWNER)) {
                continue;
            }
            // Descriptor (64-bit): pc, .stapsdt.base, semaphore, then provider, name and args,
            // each NUL-terminated.
            byte[] d = note.descriptor();
            if (d.length < 24) {
                throw new ElfException(elf.path() + ": a stapsdt note has a descriptor of only " + d.length + " bytes");
            }
            ByteBuffer buf = ByteBuffer.wrap(d).order(ByteOrder.LITTLE_ENDIAN);
            int[] at = {24};
            String provider = next(elf, d, at);
            String name = next(elf, d, at);
            String args = next(elf, d, at);
            probes.add(new UsdtProbe(provider, name, buf.getLong(0), buf.getLong(8), buf.getLong(16), args,
                    elf.path()));
        }
        return List.copyOf(probes);
    }

    private static String next(ElfFile elf, byte[] d, int[] at) {
        int start = at[0], end = start;
        while (end < d.length && d[end] != 0) {
            end++;
        }
        if (end == d.length) {
            throw new ElfException(elf.path() + ": a stapsdt note's strings are not NUL-terminated");
        }
        at[0] = end + 1;
        return new String(d, start, end - start, StandardCharsets.UTF_8);
    }
}

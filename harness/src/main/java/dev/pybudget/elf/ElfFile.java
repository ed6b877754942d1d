package dev.pybudget.elf;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * The headers of a 64-bit little-endian ELF executable or shared library for x86-64 or aarch64: what a
 * USDT preflight needs (sections, PT_LOAD segments, the dynamic section's library names and search
 * paths, notes). Headers are read once by {@link #read(Path)}; section contents are read on demand, so
 * an instance holds no open file.
 */
public final class ElfFile {

    /** ELF file type; relocatable objects and core files are rejected. */
    public enum Type { EXEC, DYN }

    /** The two architectures the agent runs on. */
    public enum Machine {
        X86_64("x86_64-linux-gnu"), AARCH64("aarch64-linux-gnu");

        private final String multiarchTriple;

        Machine(String multiarchTriple) {
            this.multiarchTriple = multiarchTriple;
        }

        /** Debian's multiarch library directory name, e.g. {@code x86_64-linux-gnu}. */
        public String multiarchTriple() {
            return multiarchTriple;
        }
    }

    /** A section header with its name resolved. */
    public record Section(String name, int type, long flags, long address, long offset, long size, int link,
            long alignment) {
    }

    /** A PT_LOAD program header; {@code flags} holds PF_R (4), PF_W (2), PF_X (1). */
    public record Segment(long vaddr, long offset, long filesz, long memsz, int flags) {
    }

    /** One note: owner name without its NUL, note type, descriptor bytes. */
    public record Note(String owner, int type, byte[] descriptor) {
    }

    static final int SHT_NOBITS = 8;
    private static final int SHT_DYNAMIC = 6;
    private static final int PT_LOAD = 1;
    private static final long DT_NULL = 0, DT_NEEDED = 1, DT_RPATH = 15, DT_RUNPATH = 29;
    private static final int EM_X86_64 = 62, EM_AARCH64 = 183;
    private static final int ET_EXEC = 2, ET_DYN = 3;
    private static final int EHDR_SIZE = 64, SHDR_SIZE = 64, PHDR_SIZE = 56;

    private final Path path;
    private final Type type;
    private final Machine machine;
    private final List<Section> sections;
    private final List<Segment> loadSegments;
    private final List<String> needed;
    private final List<String> runpath;
    private final List<String> rpath;

    private ElfFile(Path path, Type type, Machine machine, List<Section> sections,
            List<Segment> loadSegments, List<String> needed, List<String> runpath, List<String> rpath) {
        this.path = path;
        this.type = type;
        this.machine = machine;
        this.sections = sections;
        this.loadSegments = loadSegments;
        this.needed = needed;
        this.runpath = runpath;
        this.rpath = rpath;
    }

    /**
     * Reads the headers of {@code path}.
     *
     * @throws ElfException if the file is not a supported ELF binary (one sentence naming the file)
     * @throws IOException if the file cannot be read
     */
    public static ElfFile read(Path path) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            byte[] start = new byte[(int) Math.min(size, 4)];
            ch.read(ByteBuffer.wrap(start), 0);
            checkMagic(path, start);
            ByteBuffer eh = readAt(path, ch, size, 0, EHDR_SIZE, "the ELF header");
            int elfClass = eh.get(4), data = eh.get(5);
            if (elfClass == 1) {
                throw new ElfException(path + ": 32-bit ELF is not supported");
            }
            if (elfClass != 2) {
                throw new ElfException(path + ": ELF class " + elfClass + " is not supported (only 64-bit)");
            }
            if (data == 2) {
                throw new ElfException(path + ": big-endian ELF is not supported");
            }
            if (data != 1) {
                throw new ElfException(path + ": ELF data encoding " + data + " is not supported (only little-endian)");
            }
            int eType = Short.toUnsignedInt(eh.getShort(16));
            int eMachine = Short.toUnsignedInt(eh.getShort(18));
            Machine machine = switch (eMachine) {
                case EM_X86_64 -> Machine.X86_64;
                case EM_AARCH64 -> Machine.AARCH64;
                default -> throw new ElfException(
                        path + ": ELF machine " + eMachine + " is not supported (only x86-64 and aarch64)");
            };
            Type type = switch (eType) {
                case ET_EXEC -> Type.EXEC;
                case ET_DYN -> Type.DYN;
                default -> throw new ElfException(
                        path + ": ELF type " + eType + " is not supported (only executables and shared libraries)");
            };
            long phoff = eh.getLong(32), shoff = eh.getLong(40);
            int phentsize = Short.toUnsignedInt(eh.getShort(54));
            int phnum = Short.toUnsignedInt(eh.getShort(56));
            int shentsize = Short.toUnsignedInt(eh.getShort(58));
            int shnum = Short.toUnsignedInt(eh.getShort(60));
            int shstrndx = Short.toUnsignedInt(eh.getShort(62));
            if (phnum > 0 && phentsize != PHDR_SIZE || shoff != 0 && shentsize != SHDR_SIZE) {
                throw new ElfException(path + ": ELF header has unexpected header entry sizes ("
                        + phentsize + ", " + shentsize + ")");
            }

            List<Segment> loads = new ArrayList<>();
            if (phnum > 0) {
                ByteBuffer ph = readAt(path, ch, size, phoff, phnum * PHDR_SIZE, "the program headers");
                for (int i = 0; i < phnum; i++) {
                    int b = i * PHDR_SIZE;
                    if (ph.getInt(b) == PT_LOAD) {
                        loads.add(new Segment(ph.getLong(b + 16), ph.getLong(b + 8), ph.getLong(b + 32),
                                ph.getLong(b + 40), ph.getInt(b + 4)));
                    }
                }
            }

            List<Section> sections = new ArrayList<>();
            if (shoff != 0) {
                // Extended numbering (more than 0xff00 sections): the real count and string table index
                // live in section header 0.
                ByteBuffer sh0 = readAt(path, ch, size, shoff, SHDR_SIZE, "the section headers");
                if (shnum == 0) {
                    shnum = Math.toIntExact(sh0.getLong(32));
                }
                if (shstrndx == 0xffff) {
                    shstrndx = sh0.getInt(40);
                }
                ByteBuffer sh = readAt(path, ch, size, shoff, Math.multiplyExact(shnum, SHDR_SIZE),
                        "the section headers");
                if (shstrndx >= shnum) {
                    throw new ElfException(path + ": section name table index " + shstrndx + " is out of range");
                }
                int sb = shstrndx * SHDR_SIZE;
                byte[] names = readAt(path, ch, size, sh.getLong(sb + 24),
                        toInt(path, sh.getLong(sb + 32)), "the section name table").array();
                for (int i = 0; i < shnum; i++) {
                    int b = i * SHDR_SIZE;
                    String name = cString(path, names, Integer.toUnsignedLong(sh.getInt(b)));
                    sections.add(new Section(name, sh.getInt(b + 4), sh.getLong(b + 8), sh.getLong(b + 16),
                            sh.getLong(b + 24), sh.getLong(b + 32), sh.getInt(b + 40), sh.getLong(b + 48)));
                }
            }

            List<String> needed = new ArrayList<>();
            List<String> runpath = new ArrayList<>();
            List<String> rpath = new ArrayList<>();
            for (Section s : sections) {
                if (s.type() != SHT_DYNAMIC) {
                    continue;
                }
                if (s.link() <= 0 || s.link() >= sections.size()) {
                    throw new ElfException(path + ": the dynamic section links to no string table");
                }
                Section strtab = sections.get(s.link());
                byte[] strings = readAt(path, ch, size, strtab.offset(), toInt(path, strtab.size()),
                        "the dynamic string table").array();
                ByteBuffer dyn = readAt(path, ch, size, s.offset(), toInt(path, s.size()), "the dynamic section");
                for (int b = 0; b + 16 <= dyn.limit(); b += 16) {
                    long tag = dyn.getLong(b);
                    if (tag == DT_NULL) {
                        break;
                    }
                    long val = dyn.getLong(b + 8);
                    if (tag == DT_NEEDED) {
                        needed.add(cString(path, strings, val));
                    } else if (tag == DT_RUNPATH) {
                        runpath.addAll(List.of(cString(path, strings, val).split(":")));
                    } else if (tag == DT_RPATH) {
                        rpath.addAll(List.of(cString(path, strings, val).split(":")));
                    }
                }
            }
            return new ElfFile(path, type, machine, List.copyOf(sections), List.copyOf(loads),
                    List.copyOf(needed), List.copyOf(runpath), List.copyOf(rpath));
        }
    }

    public Path path() {
        return path;
    }

    public Type type() {
        return type;
    }

    public Machine machine() {
        return machine;
    }

    /** All section headers in file order, including the null section 0. */
    public List<Section> sections() {
        return sections;
    }

    /** The first section called {@code name}. */
    public Optional<Section> section(String name) {
        return sections.stream().filter(s -> s.name().equals(name)).findFirst();
    }

    /** The PT_LOAD program headers in file order. */
    public List<Segment> loadSegments() {
        return loadSegments;
    }

    /** DT_NEEDED library names, in order. */
    public List<String> needed() {
        return needed;
    }

    /** DT_RUNPATH directories as written (with {@code $ORIGIN} unexpanded); empty if absent. */
    public List<String> runpath() {
        return runpath;
    }

    /** DT_RPATH directories as written (with {@code $ORIGIN} unexpanded); empty if absent. */
    public List<String> rpath() {
        return rpath;
    }

    /** The bytes of a section as stored in the file (none for SHT_NOBITS). */
    public byte[] contents(Section section) throws IOException {
        if (section.type() == SHT_NOBITS) {
            return new byte[0];
        }
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            return readAt(path, ch, ch.size(), section.offset(), toInt(path, section.size()),
                    "section " + section.name()).array();
        }
    }

    /** The notes of section {@code sectionName}; empty if there is no such section. */
    public List<Note> notes(String sectionName) throws IOException {
        Optional<Section> found = section(sectionName);
        if (found.isEmpty()) {
            return List.of();
        }
        Section s = found.get();
        ByteBuffer buf = ByteBuffer.wrap(contents(s)).order(ByteOrder.LITTLE_ENDIAN);
        // The descriptor and the next note start at the section's alignment, counted from the section's start:
        // 4 for ordinary notes, 8 for sections such as .note.gnu.property (readelf does the same). The 12-byte
        // header is part of what is aligned: with 8, a 4-byte name "GNU" ends at 16 and needs no padding.
        int align = s.alignment() == 8 ? 8 : 4;
        List<Note> notes = new ArrayList<>();
        int pos = 0;
        while (pos + 12 <= buf.limit()) {
            long namesz = Integer.toUnsignedLong(buf.getInt(pos));
            long descsz = Integer.toUnsignedLong(buf.getInt(pos + 4));
            int type = buf.getInt(pos + 8);
            long nameAt = pos + 12L;
            long descAt = pad(nameAt + namesz, align);
            long next = descAt + pad(descsz, align);
            if (descAt + descsz > buf.limit()) {
                throw new ElfException(path + ": the note at offset " + pos + " of " + sectionName
                        + " runs past the end of the section");
            }
            byte[] name = new byte[(int) namesz];
            buf.get((int) nameAt, name);
            byte[] desc = new byte[(int) descsz];
            buf.get((int) descAt, desc);
            notes.add(new Note(cString(path, name, 0), type, desc));
            pos = (int) Math.min(next, buf.limit());
        }
        return List.copyOf(notes);
    }

    /**
     * The file offset of virtual address {@code vaddr}, through the PT_LOAD segment whose file-backed
     * part ({@code filesz}) contains it.
     *
     * @throws ElfException if no segment holds that address in the file (e.g. it lies in .bss)
     */
    public long fileOffset(long vaddr) {
        for (Segment s : loadSegments) {
            if (Long.compareUnsigned(vaddr, s.vaddr()) >= 0 && Long.compareUnsigned(vaddr - s.vaddr(), s.filesz()) < 0) {
                return s.offset() + (vaddr - s.vaddr());
            }
        }
        throw new ElfException(path + ": address 0x" + Long.toHexString(vaddr)
                + " lies in no file-backed part of a PT_LOAD segment");
    }

    @Override
    public String toString() {
        return "ElfFile[" + path + ", " + type + ", " + machine + "]";
    }

    private static void checkMagic(Path path, byte[] start) {
        if (start.length == 4 && start[0] == 0x7f && start[1] == 'E' && start[2] == 'L' && start[3] == 'F') {
            return;
        }
        if (start.length >= 2 && start[0] == '#' && start[1] == '!') {
            throw new ElfException(path + " is not an ELF binary (it starts with '#!': a script or shim;"
                    + " pass the interpreter it runs)");
        }
        if (start.length == 0) {
            throw new ElfException(path + " is not an ELF binary (it is empty)");
        }
        throw new ElfException(path + " is not an ELF binary (its first bytes are "
                + HexFormat.ofDelimiter(" ").formatHex(start) + ")");
    }

    private static ByteBuffer readAt(Path path, FileChannel ch, long fileSize, long offset, int length, String what)
            throws IOException {
        if (offset < 0 || length < 0 || offset + length > fileSize) {
            throw new ElfException(path + " is truncated or corrupt (" + what + " at offset " + offset + ", "
                    + length + " bytes, end past its " + fileSize + " bytes)");
        }
        ByteBuffer buf = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        while (buf.hasRemaining()) {
            if (ch.read(buf, offset + buf.position()) < 0) {
                throw new ElfException(path + " shrank while it was read");
            }
        }
        return buf.flip();
    }

    private static int toInt(Path path, long size) {
        if (size < 0 || size > Integer.MAX_VALUE - 8) {
            throw new ElfException(path + ": a section of " + size + " bytes is too large to read");
        }
        return (int) size;
    }

    private static long pad(long size, int align) {
        return (size + align - 1) & -align;
    }

    /** The NUL-terminated string at {@code offset} of {@code table}. */
    private static String cString(Path path, byte[] table, long offset) {
        if (offset < 0 || offset > table.length) {
            throw new ElfException(path + ": string offset " + offset + " lies outside its string table of "
                    + table.length + " bytes");
        }
        int start = (int) offset, end = start;
        while (end < table.length && table[end] != 0) {
            end++;
        }
        return new String(table, start, end - start, StandardCharsets.UTF_8);
    }
}

package dev.pybudget.elf;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The local and global functions of a binary's {@code .symtab} (what {@code strip --strip-all} removes),
 * taken from the binary itself or, for a release build, from its separate debug file found by build id
 * ({@code /usr/lib/debug/.build-id/xx/yyyy.debug}, as Debian's {@code pythonX.Y-dbg} installs it). The
 * addresses are the binary's own, turned into file offsets there: what a uprobe attaches to.
 */
public final class FunctionSymbols {

    private static final int SHT_SYMTAB = 2;
    private static final int STT_FUNC = 2;
    private static final int SYM_SIZE = 24;
    private static final int NT_GNU_BUILD_ID = 3;

    private final Path binary;
    private final String source;
    private final Map<String, Long> offsets;

    private FunctionSymbols(Path binary, String source, Map<String, Long> offsets) {
        this.binary = binary;
        this.source = source;
        this.offsets = offsets;
    }

    /**
     * The functions of {@code binary}'s symbol table, else of the debug file under {@code root} whose
     * build id is the binary's; empty when neither exists.
     *
     * @param root where {@code /usr/lib/debug} is looked for: "/" on the host, a container's root through /proc/PID/root
     */
    public static Optional<FunctionSymbols> of(Path binary, Path root) throws IOException {
        ElfFile elf = ElfFile.read(binary);
        Map<String, Long> own = functions(elf, elf);
        if (!own.isEmpty()) {
            return Optional.of(new FunctionSymbols(binary, "its .symtab", own));
        }
        Optional<String> id = buildId(elf);
        if (id.isEmpty() || id.get().length() < 3) {
            return Optional.empty();
        }
        Path debug = debugFile(root, id.get());
        if (!Files.isRegularFile(debug)) {
            return Optional.empty();
        }
        ElfFile debugElf = ElfFile.read(debug);
        if (!buildId(debugElf).equals(id)) {
            return Optional.empty();
        }
        Map<String, Long> fromDebug = functions(debugElf, elf);
        return fromDebug.isEmpty() ? Optional.empty()
                : Optional.of(new FunctionSymbols(binary, "the debug file " + debug, fromDebug));
    }

    /** Where a debug file for build id {@code id} (hex) lives under {@code root}. */
    public static Path debugFile(Path root, String id) {
        return root.resolve("usr/lib/debug/.build-id").resolve(id.substring(0, 2)).resolve(id.substring(2) + ".debug");
    }

    /** The GNU build id of {@code elf} in hex, if it has one. */
    public static Optional<String> buildId(ElfFile elf) throws IOException {
        for (ElfFile.Section s : elf.sections()) {
            if (s.name().startsWith(".note")) {
                for (ElfFile.Note n : elf.notes(s.name())) {
                    if (n.owner().equals("GNU") && n.type() == NT_GNU_BUILD_ID) {
                        return Optional.of(HexFormat.of().formatHex(n.descriptor()));
                    }
                }
            }
        }
        return Optional.empty();
    }

    /** The file in which the offsets are. */
    public Path binary() {
        return binary;
    }

    /** Where the names came from: "its .symtab" or "the debug file ...". */
    public String source() {
        return source;
    }

    /** Every function name and its file offset in {@link #binary()}; clones keep their suffix ({@code collect.constprop.0}). */
    public Map<String, Long> offsets() {
        return offsets;
    }

    /** Function name -> file offset in {@code target}, from the .symtab of {@code symbols} (same addresses). */
    private static Map<String, Long> functions(ElfFile symbols, ElfFile target) throws IOException {
        Map<String, Long> out = new LinkedHashMap<>();
        for (ElfFile.Section s : symbols.sections()) {
            if (s.type() != SHT_SYMTAB || s.link() <= 0 || s.link() >= symbols.sections().size()) {
                continue;
            }
            ByteBuffer table = ByteBuffer.wrap(symbols.contents(s)).order(ByteOrder.LITTLE_ENDIAN);
            byte[] strings = symbols.contents(symbols.sections().get(s.link()));
            for (int at = SYM_SIZE; at + SYM_SIZE <= table.limit(); at += SYM_SIZE) {
                int nameAt = table.getInt(at);
                int info = table.get(at + 4);
                int shndx = Short.toUnsignedInt(table.getShort(at + 6));
                long value = table.getLong(at + 8);
                if ((info & 0xf) != STT_FUNC || shndx == 0 || value == 0 || nameAt <= 0 || nameAt >= strings.length) {
                    continue;
                }
                int end = nameAt;
                while (end < strings.length && strings[end] != 0) {
                    end++;
                }
                String name = new String(strings, nameAt, end - nameAt, StandardCharsets.UTF_8);
                try {
                    out.putIfAbsent(name, target.fileOffset(value));
                } catch (ElfException notInFile) {
                    // a symbol outside the loaded text (none for functions in practice): not attachable
                }
            }
        }
        return out;
    }
}

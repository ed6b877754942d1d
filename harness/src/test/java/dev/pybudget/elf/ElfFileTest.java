package dev.pybudget.elf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import dev.pybudget.support.Pythons;

class ElfFileTest {

    @TempDir
    Path tmp;

    @Test
    void should_read_the_section_headers_as_readelf_does() throws IOException {
        ElfFile elf = ElfFile.read(Pythons.debian());

        List<Fixtures.ReadelfSection> expected = Fixtures.readelfSections(Pythons.DEBIAN);
        assertThat(elf.sections())
                .extracting(s -> new Fixtures.ReadelfSection(s.name(), s.address(), s.offset(), s.size()))
                .containsExactlyElementsOf(expected);
        assertThat(elf.section(".note.stapsdt")).isPresent();
        assertThat(elf.section(".no.such.section")).isEmpty();
    }

    @Test
    void should_read_type_machine_and_load_segments_of_a_non_pie_executable() throws IOException {
        ElfFile elf = ElfFile.read(Pythons.debian());

        assertThat(elf.type()).isEqualTo(ElfFile.Type.EXEC);
        assertThat(elf.machine()).isEqualTo(ElfFile.Machine.X86_64);
        assertThat(elf.loadSegments()).containsExactlyElementsOf(readelfLoads(Pythons.DEBIAN));
        assertThat(elf.loadSegments()).extracting(ElfFile.Segment::flags).containsExactly(4, 5, 4, 6);
    }

    @Test
    void should_read_a_pie_as_dyn() throws IOException {
        Path fake = Fixtures.fakePython(tmp, "fakepython");

        ElfFile elf = ElfFile.read(fake);

        assertThat(elf.type()).isEqualTo(ElfFile.Type.DYN);
        assertThat(elf.loadSegments()).containsExactlyElementsOf(readelfLoads(fake));
    }

    @Test
    void should_read_needed_libraries_and_runpath() throws IOException {
        assertThat(ElfFile.read(Pythons.debian()).needed())
                .containsExactlyElementsOf(readelfDynamic(Pythons.DEBIAN, "NEEDED"));
        assertThat(ElfFile.read(Pythons.debian()).runpath()).isEmpty();

        Path exe = Fixtures.gcc(tmp, tmp.resolve("bin/embed"),
                List.of(Fixtures.requireFile(Fixtures.DEBIAN_LIBPYTHON, "apt-get install -y libpython3.11").toString(),
                        "-Wl,--enable-new-dtags", "-Wl,-rpath,$ORIGIN/../lib:/opt/x"),
                "embed.c", Fixtures.EMBEDDING_MAIN);
        ElfFile elf = ElfFile.read(exe);
        assertThat(elf.needed()).contains("libpython3.11.so.1.0");
        assertThat(elf.runpath()).containsExactly("$ORIGIN/../lib", "/opt/x");
        assertThat(elf.rpath()).isEmpty();
    }

    @Test
    void should_read_notes_with_their_owner_type_and_descriptor() throws IOException {
        ElfFile elf = ElfFile.read(Pythons.debian());

        List<ElfFile.Note> buildId = elf.notes(".note.gnu.build-id");

        assertThat(buildId).hasSize(1);
        assertThat(buildId.get(0).owner()).isEqualTo("GNU");
        assertThat(buildId.get(0).type()).isEqualTo(3); // NT_GNU_BUILD_ID
        Matcher m = Pattern.compile("Build ID: ([0-9a-f]+)").matcher(Fixtures.readelf("-n", Pythons.DEBIAN.toString()));
        assertThat(m.find()).isTrue();
        assertThat(HexFormat.of().formatHex(buildId.get(0).descriptor())).isEqualTo(m.group(1));
        assertThat(elf.notes(".no.such.section")).isEmpty();
    }

    /**
     * A note section aligned to 8 (.note.gnu.property, which gcc writes with -fcf-protection, as Debian's
     * python3.11 3.11.2-6+deb12u9 has it): its descriptor starts at the 8-aligned offset after the 12-byte
     * header and the name, not 8 bytes after the name. Reading it used to throw, and with it every build id.
     */
    @Test
    void should_read_a_note_section_aligned_to_8() throws IOException {
        Path exe = Fixtures.gcc(tmp, tmp.resolve("cet"), List.of("-fcf-protection=full", "-Wl,--build-id"), "cet.c",
                "int main(void) { return 0; }\n");
        ElfFile elf = ElfFile.read(exe);
        assertThat(elf.section(".note.gnu.property")).hasValueSatisfying(s -> assertThat(s.alignment()).isEqualTo(8));

        List<ElfFile.Note> property = elf.notes(".note.gnu.property");

        assertThat(property).hasSize(1);
        assertThat(property.get(0).owner()).isEqualTo("GNU");
        assertThat(property.get(0).type()).isEqualTo(5); // NT_GNU_PROPERTY_TYPE_0
        assertThat(property.get(0).descriptor()).hasSize(16);
        Matcher m = Pattern.compile("Build ID: ([0-9a-f]+)").matcher(Fixtures.readelf("-n", exe.toString()));
        assertThat(m.find()).isTrue();
        assertThat(FunctionSymbols.buildId(elf)).contains(m.group(1));
    }

    @Test
    void should_translate_a_virtual_address_to_a_file_offset() throws IOException {
        ElfFile elf = ElfFile.read(Pythons.debian());
        Fixtures.ReadelfSection probes = Fixtures.readelfSection(Pythons.DEBIAN, ".probes");

        assertThat(elf.fileOffset(probes.address() + 2)).isEqualTo(probes.offset() + 2);
        Fixtures.ReadelfSection bss = Fixtures.readelfSection(Pythons.DEBIAN, ".bss");
        assertThatThrownBy(() -> elf.fileOffset(bss.address() + 16))
                .isInstanceOf(ElfException.class)
                .hasMessage("/usr/bin/python3.11: address 0x" + Long.toHexString(bss.address() + 16)
                        + " lies in no file-backed part of a PT_LOAD segment");
    }

    @Test
    void should_reject_a_script_with_one_sentence() throws IOException {
        Path script = Files.writeString(tmp.resolve("python3"), "#!/usr/bin/env bash\nexec python3.11 \"$@\"\n");

        assertThatThrownBy(() -> ElfFile.read(script))
                .isInstanceOf(ElfException.class)
                .hasMessage(script + " is not an ELF binary (it starts with '#!': a script or shim;"
                        + " pass the interpreter it runs)");
    }

    @Test
    void should_reject_other_files_naming_their_first_bytes() throws IOException {
        Path zip = Files.write(tmp.resolve("x.zip"), new byte[] {'P', 'K', 3, 4, 0, 0});
        Path empty = Files.write(tmp.resolve("empty"), new byte[0]);

        assertThatThrownBy(() -> ElfFile.read(zip)).isInstanceOf(ElfException.class)
                .hasMessage(zip + " is not an ELF binary (its first bytes are 50 4b 03 04)");
        assertThatThrownBy(() -> ElfFile.read(empty)).isInstanceOf(ElfException.class)
                .hasMessage(empty + " is not an ELF binary (it is empty)");
    }

    @Test
    void should_reject_32_bit_big_endian_and_foreign_machines() throws IOException {
        Path elf32 = Files.write(tmp.resolve("elf32"), header(1, 1, 2, 3));
        Path bigEndian = Files.write(tmp.resolve("be"), header(2, 2, 2, 62));
        Path riscv = Files.write(tmp.resolve("riscv"), header(2, 1, 2, 243));
        Path object = Files.write(tmp.resolve("obj.o"), header(2, 1, 1, 62));

        assertThatThrownBy(() -> ElfFile.read(elf32)).isInstanceOf(ElfException.class)
                .hasMessage(elf32 + ": 32-bit ELF is not supported");
        assertThatThrownBy(() -> ElfFile.read(bigEndian)).isInstanceOf(ElfException.class)
                .hasMessage(bigEndian + ": big-endian ELF is not supported");
        assertThatThrownBy(() -> ElfFile.read(riscv)).isInstanceOf(ElfException.class)
                .hasMessage(riscv + ": ELF machine 243 is not supported (only x86-64 and aarch64)");
        assertThatThrownBy(() -> ElfFile.read(object)).isInstanceOf(ElfException.class)
                .hasMessage(object + ": ELF type 1 is not supported (only executables and shared libraries)");
    }

    @Test
    void should_reject_a_truncated_file() throws IOException {
        byte[] whole = Files.readAllBytes(Pythons.debian());
        Path cut = Files.write(tmp.resolve("cut"), java.util.Arrays.copyOf(whole, 4096));

        assertThatThrownBy(() -> ElfFile.read(cut)).isInstanceOf(ElfException.class)
                .hasMessageStartingWith(cut + " is truncated or corrupt (the section headers at offset");
    }

    /** A 64-byte ELF header with no program or section headers. */
    private static byte[] header(int elfClass, int data, int type, int machine) {
        ByteBuffer b = ByteBuffer.allocate(64).order(data == 2 ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {0x7f, 'E', 'L', 'F', (byte) elfClass, (byte) data, 1});
        b.putShort(16, (short) type).putShort(18, (short) machine).putShort(52, (short) 64);
        return b.array();
    }

    private static List<ElfFile.Segment> readelfLoads(Path binary) throws IOException {
        String out = Fixtures.readelf("-lW", binary.toString());
        Matcher m = Pattern.compile("LOAD\\s+0x(\\p{XDigit}+) 0x(\\p{XDigit}+) 0x\\p{XDigit}+ 0x(\\p{XDigit}+)"
                + " 0x(\\p{XDigit}+) ([RWE ]{3})").matcher(out);
        List<ElfFile.Segment> loads = new ArrayList<>();
        while (m.find()) {
            String f = m.group(5);
            int flags = (f.charAt(0) == 'R' ? 4 : 0) | (f.charAt(1) == 'W' ? 2 : 0) | (f.charAt(2) == 'E' ? 1 : 0);
            loads.add(new ElfFile.Segment(Long.parseLong(m.group(2), 16), Long.parseLong(m.group(1), 16),
                    Long.parseLong(m.group(3), 16), Long.parseLong(m.group(4), 16), flags));
        }
        assertThat(loads).as("readelf -lW LOAD lines of " + binary).isNotEmpty();
        return loads;
    }

    private static List<String> readelfDynamic(Path binary, String tag) throws IOException {
        Matcher m = Pattern.compile("\\(" + tag + "\\)\\s+\\S.*?: \\[([^\\]]*)\\]")
                .matcher(Fixtures.readelf("-dW", binary.toString()));
        List<String> values = new ArrayList<>();
        while (m.find()) {
            values.add(m.group(1));
        }
        return values;
    }
}

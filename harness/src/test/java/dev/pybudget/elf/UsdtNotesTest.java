package dev.pybudget.elf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import dev.pybudget.support.Pythons;

class UsdtNotesTest {

    @TempDir
    Path tmp;

    @Test
    void should_read_every_probe_of_debian_python_exactly_as_readelf_shows_it() throws IOException {
        List<UsdtProbe> probes = UsdtNotes.read(Pythons.debian());

        assertThat(probes)
                .extracting(p -> new Fixtures.ReadelfProbe(p.provider(), p.name(), p.location(), p.base(),
                        p.semaphore(), p.arguments()))
                .containsExactlyElementsOf(Fixtures.readelfProbes(Pythons.DEBIAN));
        assertThat(probes).extracting(UsdtProbe::binary).containsOnly(Pythons.DEBIAN);
    }

    @Test
    void should_find_the_eight_probes_of_cpython_3_11_with_their_arity() throws IOException {
        List<UsdtProbe> probes = UsdtNotes.read(Pythons.debian());

        assertThat(probes).extracting(UsdtProbe::provider).containsOnly("python");
        assertThat(probes).extracting(UsdtProbe::name).containsExactlyInAnyOrder("audit", "gc__done", "gc__start",
                "line", "import__find__load__start", "import__find__load__done", "function__entry",
                "function__return");
        assertThat(probes).allSatisfy(p -> {
            assertThat(p.hasSemaphore()).as(p.name()).isTrue();
            int expected = switch (p.name()) {
                case "function__entry", "function__return", "line" -> 3; // filename, funcname, lineno
                case "audit", "import__find__load__done" -> 2;
                default -> 1;
            };
            assertThat(p.argCount()).as(p.name() + " " + p.arguments()).isEqualTo(expected);
        });
        UsdtProbe entry = probes.stream().filter(p -> p.name().equals("function__entry")).findFirst().orElseThrow();
        assertThat(entry.arguments()).matches("8@\\S+ 8@\\S+ -4@\\S+"); // char *, char *, int
    }

    @Test
    void should_translate_debian_python_semaphores_to_file_offsets_in_probes_section() throws IOException {
        ElfFile elf = ElfFile.read(Pythons.debian());
        Fixtures.ReadelfSection probesSection = Fixtures.readelfSection(Pythons.DEBIAN, ".probes");

        for (UsdtProbe p : UsdtNotes.read(elf)) {
            long expected = probesSection.offset() + (p.semaphore() - probesSection.address());
            assertThat(p.semaphoreFileOffset(elf)).as(p.name()).isEqualTo(expected);
            assertThat(p.semaphore() - probesSection.address()).as(p.name()).isBetween(0L, probesSection.size() - 2);
        }
    }

    @Test
    void should_list_one_probe_per_call_site_sharing_one_semaphore() throws IOException {
        Path fake = Fixtures.fakePython(tmp, "fakepython");

        List<UsdtProbe> probes = UsdtNotes.read(fake);

        assertThat(probes)
                .extracting(p -> new Fixtures.ReadelfProbe(p.provider(), p.name(), p.location(), p.base(),
                        p.semaphore(), p.arguments()))
                .containsExactlyElementsOf(Fixtures.readelfProbes(fake));
        List<UsdtProbe> gcStart = probes.stream().filter(p -> p.name().equals("gc__start")).toList();
        assertThat(gcStart).hasSize(2);
        assertThat(gcStart.get(0).location()).isNotEqualTo(gcStart.get(1).location());
        assertThat(gcStart.get(0).semaphore()).isNotZero().isEqualTo(gcStart.get(1).semaphore());
        UsdtProbe tick = probes.stream().filter(p -> p.provider().equals("fake")).findFirst().orElseThrow();
        assertThat(tick.hasSemaphore()).isFalse();
        assertThat(tick.argCount()).isEqualTo(1);
        assertThatThrownBy(() -> tick.semaphoreAddress(tick.base()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("fake:tick in " + fake + " has no semaphore");
    }

    @Test
    void should_find_no_probes_in_a_binary_without_stapsdt_notes() throws IOException {
        Path plain = Fixtures.gcc(tmp, tmp.resolve("plain"), List.of(), "plain.c", "int main(void) { return 0; }\n");

        assertThat(UsdtNotes.read(plain)).isEmpty();
    }

    @Test
    void should_count_arguments_including_aarch64_operands_with_spaces() {
        assertThat(probe("8@%rbp 8@%r12 -4@%eax").argCount()).isEqualTo(3);
        assertThat(probe("-4@112(%rsp)").argCount()).isEqualTo(1);
        assertThat(probe("-4@[sp, 12] 8@x0  8@[x1]").argCount()).isEqualTo(3);
        assertThat(probe("").argCount()).isZero();
    }

    @Test
    void should_shift_the_semaphore_by_the_prelink_displacement_of_stapsdt_base() {
        UsdtProbe p = new UsdtProbe("python", "gc__start", 0x1000, 0x8000, 0xa000, "", Path.of("/x"));

        assertThat(p.semaphoreAddress(0x8000)).isEqualTo(0xa000);
        assertThat(p.semaphoreAddress(0x9000)).isEqualTo(0xb000);
        assertThat(p.semaphoreAddress(0x7000)).isEqualTo(0x9000);
    }

    private static UsdtProbe probe(String args) {
        return new UsdtProbe("p", "n", 1, 2, 3, args, Path.of("/x"));
    }
}

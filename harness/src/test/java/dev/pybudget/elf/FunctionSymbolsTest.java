package dev.pybudget.elf;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Function symbols from a binary's .symtab, or from its separate debug file found by build id. */
class FunctionSymbolsTest {

    static final Path LIBPYTHON = Fixtures.PYENV_VERSIONS.resolve("3.11.7/lib/libpython3.11.so.1.0");

    @TempDir
    Path tmp;

    @Test
    void should_read_internal_functions_and_their_file_offsets_from_the_symtab() throws Exception {
        FunctionSymbols symbols = FunctionSymbols.of(LIBPYTHON, tmp).orElseThrow();

        assertThat(symbols.source()).isEqualTo("its .symtab");
        assertThat(symbols.offsets()).containsKeys("gc_collect_main", "sys_audit_tstate", "sys_audit",
                "invoke_gc_callback.isra.0");
        // nm prints the address; in pyenv's libpython the text segment's address is its file offset.
        assertThat(symbols.offsets().get("gc_collect_main")).isEqualTo(nmAddress(LIBPYTHON, "gc_collect_main"));
    }

    @Test
    void should_find_the_symbols_of_a_stripped_binary_in_the_debug_file_named_by_its_build_id() throws Exception {
        Path stripped = tmp.resolve("libpython3.11.so.1.0");
        run("strip", "--strip-all", "-o", stripped.toString(), LIBPYTHON.toString());
        Path root = tmp.resolve("root");

        assertThat(FunctionSymbols.of(stripped, root)).as("no .symtab, no debug file").isEmpty();

        String id = FunctionSymbols.buildId(ElfFile.read(stripped)).orElseThrow();
        Path debug = FunctionSymbols.debugFile(root, id);
        assertThat(debug.toString()).endsWith("/usr/lib/debug/.build-id/" + id.substring(0, 2) + "/" + id.substring(2) + ".debug");
        Files.createDirectories(debug.getParent());
        run("objcopy", "--only-keep-debug", LIBPYTHON.toString(), debug.toString());

        FunctionSymbols symbols = FunctionSymbols.of(stripped, root).orElseThrow();
        assertThat(symbols.source()).isEqualTo("the debug file " + debug);
        Map<String, Long> original = FunctionSymbols.of(LIBPYTHON, root).orElseThrow().offsets();
        for (String name : List.of("gc_collect_main", "sys_audit_tstate", "sys_audit")) {
            assertThat(symbols.offsets().get(name)).as(name).isEqualTo(original.get(name));
        }
    }

    @Test
    void should_not_take_a_debug_file_of_another_build() throws Exception {
        Path stripped = tmp.resolve("libpython3.11.so.1.0");
        run("strip", "--strip-all", "-o", stripped.toString(), LIBPYTHON.toString());
        String id = FunctionSymbols.buildId(ElfFile.read(stripped)).orElseThrow();
        Path debug = FunctionSymbols.debugFile(tmp, id);
        Files.createDirectories(debug.getParent());
        // Another build's debug file under this build's id: its own build id does not match.
        run("objcopy", "--only-keep-debug", Fixtures.PYENV_VERSIONS.resolve("3.12.1/lib/libpython3.12.so.1.0").toString(),
                debug.toString());

        assertThat(FunctionSymbols.of(stripped, tmp)).isEqualTo(Optional.empty());
    }

    private static long nmAddress(Path file, String symbol) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("nm", file.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).isZero();
        return out.lines().filter(l -> l.endsWith(" " + symbol)).map(l -> Long.parseUnsignedLong(l.split(" ")[0], 16))
                .findFirst().orElseThrow();
    }

    private static void run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as("%s: %s", List.of(command), out).isZero();
    }
}

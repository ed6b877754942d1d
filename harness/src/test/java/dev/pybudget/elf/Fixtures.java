package dev.pybudget.elf;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Binaries the ELF tests read besides Debian's python3.11 ({@link dev.pybudget.support.Pythons}): its
 * libpython, pyenv's CPythons, and small ELF files compiled with gcc. A missing prerequisite fails the test with the way to get it, never skips it.
 */
final class Fixtures {

    static final Path DEBIAN_LIBPYTHON = Path.of("/usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0");
    static final Path PYENV_VERSIONS = Path.of("/root/.pyenv/versions");

    /**
     * A fake CPython: a PIE with a "python" provider that has only gc__start (two call sites, one
     * semaphore), and a "fake" provider probe without semaphore. It prints the address of its semaphore,
     * then answers each input line with "ok", setting the semaphore to 0xfffe on "set".
     */
    static final String FAKE_MAIN = """
            #define _SDT_HAS_SEMAPHORES 1
            #include <sys/sdt.h>
            #include <stdio.h>
            #include <string.h>

            __extension__ unsigned short python_gc__start_semaphore
                __attribute__((unused)) __attribute__((section(".probes")));
            void tick(int n);

            int main(void) {
                char line[64];
                int generation = 0;
                printf("%lx\\n", (unsigned long) &python_gc__start_semaphore);
                fflush(stdout);
                while (fgets(line, sizeof line, stdin) != NULL) {
                    if (strncmp(line, "set", 3) == 0)
                        python_gc__start_semaphore = 0xfffe;
                    STAP_PROBE1(python, gc__start, generation);
                    printf("ok\\n");
                    fflush(stdout);
                    generation++;
                }
                STAP_PROBE1(python, gc__start, -1);
                tick(generation);
                return 0;
            }
            """;
    static final String FAKE_OTHER = """
            #include <sys/sdt.h>
            void tick(int n) { STAP_PROBE1(fake, tick, n); }
            """;
    /** An executable whose interpreter, and markers, live in libpython (like --enable-shared builds). */
    static final String EMBEDDING_MAIN = """
            int Py_BytesMain(int argc, char **argv);
            int main(int argc, char **argv) { return Py_BytesMain(argc, argv); }
            """;

    private Fixtures() {
    }

    static Path requireFile(Path file, String howToGetIt) {
        if (!Files.isRegularFile(file)) {
            fail(file + " is missing: " + howToGetIt);
        }
        return file;
    }

    /** Compiles {@code sources} (file name to C text) into executable {@code out} with gcc. */
    static Path gcc(Path dir, Path out, List<String> flags, String... namesAndSources) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("gcc", "-O2", "-o", out.toString()));
        for (int i = 0; i < namesAndSources.length; i += 2) {
            Path src = dir.resolve(namesAndSources[i]);
            Files.writeString(src, namesAndSources[i + 1]);
            cmd.add(src.toString());
        }
        cmd.addAll(flags);
        Files.createDirectories(out.getParent());
        String output = run(cmd, "gcc (apt-get install -y gcc; <sys/sdt.h> needs systemtap-sdt-dev)");
        if (!Files.isRegularFile(out)) {
            fail("gcc did not produce " + out + ": " + output);
        }
        return out;
    }

    /** Builds the fake CPython PIE into {@code dir/name}. */
    static Path fakePython(Path dir, String name) throws IOException {
        Path out = dir.resolve(name);
        if (!Files.exists(out)) {
            if (!Files.isRegularFile(Path.of("/usr/include/x86_64-linux-gnu/sys/sdt.h"))
                    && !Files.isRegularFile(Path.of("/usr/include/sys/sdt.h"))) {
                fail("<sys/sdt.h> is missing: apt-get install -y systemtap-sdt-dev");
            }
            gcc(dir, out, List.of("-fPIE", "-pie"), "fake_main.c", FAKE_MAIN, "fake_other.c", FAKE_OTHER);
        }
        return out;
    }

    /** pyenv's CPython executables, python3.N only (not -config, not gdb helpers). */
    static List<Path> pyenvPythons() throws IOException {
        if (!Files.isDirectory(PYENV_VERSIONS)) {
            return List.of();
        }
        try (Stream<Path> versions = Files.list(PYENV_VERSIONS)) {
            List<Path> found = new ArrayList<>();
            for (Path v : versions.sorted().toList()) {
                Path bin = v.resolve("bin");
                if (!Files.isDirectory(bin)) {
                    continue;
                }
                try (Stream<Path> files = Files.list(bin)) {
                    files.filter(f -> f.getFileName().toString().matches("python3\\.\\d+"))
                            .filter(Files::isRegularFile).sorted().forEach(found::add);
                }
            }
            return found;
        }
    }

    /** "3.11.2" from {@code python -V}. */
    static String versionOf(Path python) throws IOException {
        String out = run(List.of(python.toString(), "-V"), python.toString()).trim();
        Matcher m = Pattern.compile("^Python (\\S+)$").matcher(out);
        if (!m.matches()) {
            fail(python + " -V printed " + out);
        }
        return m.group(1);
    }

    static String readelf(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("readelf"));
        cmd.addAll(List.of(args));
        return run(cmd, "readelf (apt-get install -y binutils)");
    }

    /** Runs {@code cmd}, returns stdout+stderr, fails the test on a non-zero exit or a missing program. */
    static String run(List<String> cmd, String what) throws IOException {
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (IOException e) {
            return fail("cannot run " + what + ": " + e.getMessage());
        }
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return fail(String.join(" ", cmd) + " did not finish");
            }
            if (p.exitValue() != 0) {
                return fail(String.join(" ", cmd) + " exited with " + p.exitValue() + ": " + out);
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    /** One probe as readelf -n prints it. */
    record ReadelfProbe(String provider, String name, long location, long base, long semaphore, String arguments) {
    }

    static List<ReadelfProbe> readelfProbes(Path binary) throws IOException {
        String out = readelf("-n", "--wide", binary.toString());
        Pattern p = Pattern.compile("Provider: (\\S+)\\s+Name: (\\S+)\\s+Location: 0x([0-9a-f]+), Base: 0x([0-9a-f]+),"
                + " Semaphore: 0x([0-9a-f]+)\\s+Arguments: ?([^\\n]*)");
        Matcher m = p.matcher(out);
        List<ReadelfProbe> probes = new ArrayList<>();
        while (m.find()) {
            probes.add(new ReadelfProbe(m.group(1), m.group(2), Long.parseUnsignedLong(m.group(3), 16),
                    Long.parseUnsignedLong(m.group(4), 16), Long.parseUnsignedLong(m.group(5), 16),
                    m.group(6).strip()));
        }
        return probes;
    }

    /** One section as readelf -SW prints it: address, file offset, size. */
    record ReadelfSection(String name, long address, long offset, long size) {
    }

    static List<ReadelfSection> readelfSections(Path binary) throws IOException {
        String out = readelf("-SW", binary.toString());
        Pattern p = Pattern.compile("\\]\\s+(\\S*)\\s+\\S+\\s+([0-9a-f]{16})\\s+([0-9a-f]{6,})\\s+([0-9a-f]{6,})\\s");
        Matcher m = p.matcher(out);
        List<ReadelfSection> sections = new ArrayList<>();
        while (m.find()) {
            sections.add(new ReadelfSection(m.group(1), Long.parseUnsignedLong(m.group(2), 16),
                    Long.parseUnsignedLong(m.group(3), 16), Long.parseUnsignedLong(m.group(4), 16)));
        }
        return sections;
    }

    static ReadelfSection readelfSection(Path binary, String name) throws IOException {
        return readelfSections(binary).stream().filter(s -> s.name().equals(name)).findFirst()
                .orElseGet(() -> fail("readelf shows no section " + name + " in " + binary));
    }
}

package dev.pybudget.elf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import dev.pybudget.support.Pythons;

class PythonBinaryTest {

    private static final String NO_MARKERS = " has no USDT markers (.note.stapsdt): use a CPython built with"
            + " --with-dtrace, such as Debian's python3.11 or the pybudget/cpython-3.11 image.";
    private static final String CALLS_REMOVED = "CPython 3.12 to 3.14 have no"
            + " function__entry/function__return/line probes (3.15 restored the first two), so count calls in process"
            + " there (CallCounting.MONITORING, --calls-by monitoring)";

    @TempDir
    Path tmp;

    @Test
    void should_read_debian_python_probes_and_version_from_the_executable() throws IOException {
        PythonBinary py = PythonBinary.inspect(Pythons.debian());

        assertThat(py.executable()).isEqualTo(Pythons.DEBIAN);
        assertThat(py.probeBinary()).isEqualTo(Pythons.DEBIAN);
        assertThat(py.hasMarkers()).isTrue();
        assertThat(py.version()).isEqualTo(Fixtures.versionOf(Pythons.DEBIAN)).isEqualTo("3.11.2");
        assertThat(py.versionMajorMinor()).contains(new PythonBinary.MajorMinor(3, 11));
        assertThat(py.probes()).extracting(UsdtProbe::name).containsExactlyInAnyOrder("audit", "gc__done",
                "gc__start", "line", "import__find__load__start", "import__find__load__done", "function__entry",
                "function__return");
        assertThat(py.probe("gc__start")).hasValueSatisfying(p -> assertThat(p.argCount()).isEqualTo(1));
        assertThat(py.probe("no__such")).isEmpty();
        assertThatCode(() -> py.require(List.of("gc__start", "function__return", "audit"))).doesNotThrowAnyException();
    }

    @Test
    void should_resolve_a_symlink_to_the_interpreter() throws IOException {
        Path link = Files.createSymbolicLink(tmp.resolve("python3"), Pythons.debian());

        PythonBinary py = PythonBinary.inspect(link);
        Files.delete(link); // JUnit warns about symlinks leaving its temp dir

        assertThat(py.executable()).isEqualTo(Pythons.DEBIAN);
        assertThat(py.version()).isEqualTo("3.11.2");
    }

    @Test
    void should_say_in_one_sentence_that_pyenv_pythons_have_no_markers() throws IOException {
        List<Path> pythons = Fixtures.pyenvPythons();
        if (pythons.isEmpty()) {
            // No pyenv here: a plain gcc-built ELF named like a CPython stands in for one.
            Path stand = Fixtures.gcc(tmp, tmp.resolve("python3.11"), List.of(), "p.c", "int main(void){return 0;}\n");
            assertNoMarkers(stand, "3.11");
            return;
        }
        for (Path python : pythons) {
            assertNoMarkers(python, Fixtures.versionOf(python));
        }
    }

    @Test
    void should_give_pyenv_3_11_7_the_exact_no_markers_sentence() throws IOException {
        Path python = Fixtures.requireFile(Fixtures.PYENV_VERSIONS.resolve("3.11.7/bin/python3.11"),
                "install it with: pyenv install 3.11.7");

        PythonBinary py = PythonBinary.inspect(python);

        // pyenv builds with --enable-shared: the interpreter (and where markers would be) is libpython.
        assertThat(py.probeBinary()).isEqualTo(Fixtures.PYENV_VERSIONS.resolve("3.11.7/lib/libpython3.11.so.1.0"));
        assertThat(py.version()).isEqualTo("3.11.7");
        assertThatThrownBy(() -> py.require(List.of("gc__start")))
                .isInstanceOf(MissingProbeException.class)
                .hasMessage("/root/.pyenv/versions/3.11.7/bin/python3.11 (CPython 3.11.7) has no USDT markers"
                        + " (.note.stapsdt): use a CPython built with --with-dtrace, such as Debian's python3.11"
                        + " or the pybudget/cpython-3.11 image.");
    }

    @Test
    void should_reject_a_script_with_one_sentence() throws IOException {
        Path shim = Files.writeString(tmp.resolve("python3"), "#!/usr/bin/env bash\nexec pyenv exec python3 \"$@\"\n");

        assertThatThrownBy(() -> PythonBinary.inspect(shim))
                .isInstanceOf(ElfException.class)
                .hasMessage(shim.toRealPath() + " is not an ELF binary (it starts with '#!': a script or shim;"
                        + " pass the interpreter it runs)");
        Path pyenvShim = Path.of("/root/.pyenv/shims/python3");
        if (Files.isRegularFile(pyenvShim)) {
            assertThatThrownBy(() -> PythonBinary.inspect(pyenvShim))
                    .hasMessage("/root/.pyenv/shims/python3 is not an ELF binary (it starts with '#!': a script or"
                            + " shim; pass the interpreter it runs)");
        }
    }

    @Test
    void should_explain_that_cpython_3_12_and_later_removed_the_call_probes() throws IOException {
        Path fake = Fixtures.fakePython(tmp, "python3.13");

        PythonBinary py = PythonBinary.inspect(fake);

        assertThat(py.version()).isEqualTo("3.13"); // no PY_VERSION string: major.minor of the file name
        assertThat(py.probes()).extracting(UsdtProbe::name).containsExactly("gc__start", "gc__start");
        assertThatCode(() -> py.require(List.of("gc__start"))).doesNotThrowAnyException();
        MissingProbeException e = catchThrowableOfType(MissingProbeException.class,
                () -> py.require(List.of("gc__start", "function__return")));
        assertThat(e).hasMessage(fake + " (CPython 3.13) has no USDT probe function__return: " + CALLS_REMOVED + ".");
        assertThat(e.binary()).isEqualTo(fake);
        assertThat(e.missing()).containsExactly("function__return");
        // The same sentence without an exception, for a lenient trace to record.
        assertThat(py.explainMissing(List.of("gc__start", "function__return"))).contains(e.getMessage());
        assertThat(py.explainMissing(List.of("gc__start"))).isEmpty();
    }

    @Test
    void should_name_every_missing_probe_with_each_reason_once() throws IOException {
        Path fake = Fixtures.fakePython(tmp, "python3.13");

        PythonBinary py = PythonBinary.inspect(fake);

        assertThatThrownBy(() -> py.require(List.of("function__entry", "function__return", "line", "audit",
                "import__find__load__start", "gc__done", "tick")))
                .isInstanceOf(MissingProbeException.class)
                .hasMessage(fake + " (CPython 3.13) has no USDT probes function__entry, function__return, line,"
                        + " audit, import__find__load__start, gc__done and tick: " + CALLS_REMOVED
                        + "; CPython 3.8 and later define the audit probe, so this build left it out"
                        + "; CPython 3.7 and later define the import__find__load__start/import__find__load__done"
                        + " probes, so this build left them out"
                        + "; CPython 3.6 and later define the gc__start/gc__done probes, so this build left them out"
                        + "; tick is not one of CPython's probes (function__entry, function__return, line,"
                        + " gc__start, gc__done, import__find__load__start, import__find__load__done, audit).");
    }

    @Test
    void should_say_that_an_older_cpython_predates_the_audit_and_import_probes() throws IOException {
        Path fake = Fixtures.fakePython(tmp, "python3.6");

        PythonBinary py = PythonBinary.inspect(fake);

        assertThatThrownBy(() -> py.require(List.of("audit", "import__find__load__done", "function__entry")))
                .hasMessage(fake + " (CPython 3.6) has no USDT probes audit, import__find__load__done and"
                        + " function__entry: CPython added the audit probe in 3.8, and this one is older"
                        + "; CPython added the import__find__load__start/import__find__load__done probes in 3.7,"
                        + " and this one is older"
                        + "; CPython 3.11 and earlier define the function__entry/function__return/line probes,"
                        + " so this build left them out.");
    }

    @Test
    void should_call_the_version_unknown_without_a_version_string_or_name() throws IOException {
        Path fake = Fixtures.fakePython(tmp, "fakepython");

        PythonBinary py = PythonBinary.inspect(fake);

        assertThat(py.version()).isEqualTo("unknown");
        assertThat(py.versionMajorMinor()).isEmpty();
        assertThatThrownBy(() -> py.require(List.of("line")))
                .hasMessage(fake + " (CPython, version unknown) has no USDT probe line: " + CALLS_REMOVED + ".");
    }

    @Test
    void should_take_the_markers_from_libpython_found_through_runpath_origin() throws IOException {
        Path lib = Files.createDirectories(tmp.resolve("lib")).resolve("libpython3.11.so.1.0");
        Files.copy(Fixtures.requireFile(Fixtures.DEBIAN_LIBPYTHON, "apt-get install -y libpython3.11"), lib);
        Path exe = Fixtures.gcc(tmp, tmp.resolve("bin/python3.11"),
                List.of(Fixtures.DEBIAN_LIBPYTHON.toString(), "-Wl,--enable-new-dtags", "-Wl,-rpath,$ORIGIN/../lib"),
                "embed.c", Fixtures.EMBEDDING_MAIN);

        PythonBinary py = PythonBinary.inspect(exe);

        assertThat(py.executable()).isEqualTo(exe.toRealPath());
        assertThat(py.probeBinary()).isEqualTo(lib.toRealPath());
        assertThat(py.hasMarkers()).isTrue();
        assertThat(py.version()).isEqualTo("3.11.2");
        assertThat(py.probes()).hasSize(8).extracting(UsdtProbe::binary).containsOnly(lib.toRealPath());
        assertThat(py.probes()).extracting(UsdtProbe::semaphore).containsExactlyElementsOf(
                Fixtures.readelfProbes(lib).stream().map(Fixtures.ReadelfProbe::semaphore).toList());
    }

    @Test
    void should_find_libpython_through_rpath_and_then_the_default_directories() throws IOException {
        Path lib = Files.createDirectories(tmp.resolve("rlib")).resolve("libpython3.11.so.1.0");
        Files.copy(Fixtures.requireFile(Fixtures.DEBIAN_LIBPYTHON, "apt-get install -y libpython3.11"), lib);
        Path viaRpath = Fixtures.gcc(tmp, tmp.resolve("a/python3.11"),
                List.of(Fixtures.DEBIAN_LIBPYTHON.toString(), "-Wl,--disable-new-dtags", "-Wl,-rpath,${ORIGIN}/../rlib"),
                "embed.c", Fixtures.EMBEDDING_MAIN);
        Path viaDefault = Fixtures.gcc(tmp, tmp.resolve("b/python3.11"),
                List.of(Fixtures.DEBIAN_LIBPYTHON.toString()), "embed.c", Fixtures.EMBEDDING_MAIN);

        assertThat(ElfFile.read(viaRpath).rpath()).containsExactly("${ORIGIN}/../rlib");
        assertThat(PythonBinary.inspect(viaRpath).probeBinary()).isEqualTo(lib.toRealPath());
        assertThat(PythonBinary.inspect(viaDefault).probeBinary()).isEqualTo(Fixtures.DEBIAN_LIBPYTHON.toRealPath());
        assertThat(PythonBinary.inspect(viaDefault).probes()).hasSize(8);
    }

    @Test
    void should_say_which_directories_lack_a_needed_libpython() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("fake-lib"));
        Path lib = Fixtures.gcc(tmp, dir.resolve("libpython3.99.so.1.0"), List.of("-shared", "-fPIC",
                "-Wl,-soname,libpython3.99.so.1.0"), "lib.c", "int Py_BytesMain(int c, char **v) { return 0; }\n");
        Path exe = Fixtures.gcc(tmp, tmp.resolve("c/python3.99"), List.of(lib.toString(), "-Wl,--enable-new-dtags",
                "-Wl,-rpath,/nonexistent"), "embed.c", Fixtures.EMBEDDING_MAIN);

        assertThatThrownBy(() -> PythonBinary.inspect(exe))
                .isInstanceOf(ElfException.class)
                .hasMessage(exe.toRealPath() + " needs libpython3.99.so.1.0, which is in none of /nonexistent,"
                        + " /lib/x86_64-linux-gnu, /usr/lib/x86_64-linux-gnu, /lib64, /usr/lib64, /lib, /usr/lib,"
                        + " /usr/local/lib (its RUNPATH/RPATH and the default library directories)");
    }

    private static void assertNoMarkers(Path python, String version) throws IOException {
        PythonBinary py = PythonBinary.inspect(python);
        assertThat(py.hasMarkers()).as(python.toString()).isFalse();
        assertThat(py.probes()).isEmpty();
        assertThat(py.version()).as(python.toString()).isEqualTo(version);
        assertThatThrownBy(() -> py.require(List.of("gc__start", "audit")))
                .isInstanceOf(MissingProbeException.class)
                .hasMessage(python.toRealPath() + " (CPython " + version + ")" + NO_MARKERS)
                .satisfies(e -> assertThat(((MissingProbeException) e).missing()).containsExactly("gc__start", "audit"));
    }
}

package dev.pybudget.elf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import dev.pybudget.support.Pythons;

class SemaphoresTest {

    @TempDir
    Path tmp;

    @Test
    void should_read_zero_for_gc_start_in_a_live_python_nobody_traces() throws Exception {
        PythonBinary py = PythonBinary.inspect(Pythons.debian());
        UsdtProbe gcStart = py.probe("gc__start").orElseThrow();
        Process p = new ProcessBuilder(py.executable().toString(), "-c",
                "import sys, time; print('ready', flush=True); time.sleep(30)").start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            assertThat(out.readLine()).isEqualTo("ready");

            assertThat(Semaphores.read(p.pid(), py.probeBinary(), gcStart)).isZero();
            // A non-PIE executable is mapped at its link-time addresses: the runtime address is the note's.
            assertThat(Semaphores.address(p.pid(), py.probeBinary(), gcStart)).isEqualTo(gcStart.semaphore());
            for (UsdtProbe probe : py.probes()) {
                assertThat(Semaphores.read(p.pid(), py.probeBinary(), probe)).as(probe.name()).isZero();
            }
        } finally {
            p.destroyForcibly().waitFor();
        }
    }

    @Test
    void should_find_the_semaphore_of_a_pie_where_the_program_itself_sees_it() throws Exception {
        Path fake = Fixtures.fakePython(tmp, "fakepython");
        UsdtProbe gcStart = PythonBinary.inspect(fake).probe("gc__start").orElseThrow();
        Process p = new ProcessBuilder(fake.toString()).start();
        try (Writer in = p.outputWriter(StandardCharsets.UTF_8)) {
            BufferedReader out = p.inputReader(StandardCharsets.UTF_8);
            long printed = Long.parseUnsignedLong(out.readLine(), 16);

            assertThat(ElfFile.read(fake).type()).isEqualTo(ElfFile.Type.DYN);
            assertThat(printed).as("a PIE is relocated").isNotEqualTo(gcStart.semaphore());
            assertThat(Semaphores.address(p.pid(), fake, gcStart)).isEqualTo(printed);
            assertThat(Semaphores.read(p.pid(), fake, gcStart)).isZero();

            in.write("set\n");
            in.flush();
            assertThat(out.readLine()).isEqualTo("ok");
            assertThat(Semaphores.read(p.pid(), fake, gcStart)).isEqualTo(0xfffe);
        } finally {
            p.destroyForcibly().waitFor();
        }
    }

    @Test
    void should_refuse_a_binary_the_process_has_not_mapped() throws Exception {
        Path fake = Fixtures.fakePython(tmp, "fakepython");
        UsdtProbe pythonGcStart = PythonBinary.inspect(Pythons.debian()).probe("gc__start").orElseThrow();
        Process p = new ProcessBuilder(fake.toString()).start();
        try {
            assertThat(p.inputReader(StandardCharsets.UTF_8).readLine()).isNotEmpty();

            assertThatThrownBy(() -> Semaphores.read(p.pid(), Pythons.DEBIAN, pythonGcStart))
                    .isInstanceOf(IOException.class)
                    .hasMessage("/usr/bin/python3.11 is not mapped in process " + p.pid());
        } finally {
            p.destroyForcibly().waitFor();
        }
    }
}

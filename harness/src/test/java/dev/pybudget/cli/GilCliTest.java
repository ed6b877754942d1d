package dev.pybudget.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import dev.pybudget.support.PythonFixtures;
import dev.pybudget.support.Pythons;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code trace --gil} (or {@code --family gil}): the GIL waits in the report and in the JSON (without it, "gil" is null), and the one line
 * and exit status 2 where take_gil cannot be found.
 */
class GilCliTest {

    @TempDir
    Path tmp;

    @Test
    void should_record_gil_waits_with_gil_and_not_without() throws Exception {
        Path json = tmp.resolve("run.json");
        CliRun run = CliRun.run("trace", "--gil", "--json", json.toString(), "--", Pythons.debian().toString(),
                PythonFixtures.workload("gil_contention.py").toString(), "-", "2", "0.3");
        assertThat(run.status()).as(run.err()).isZero();
        assertThat(run.out()).contains("GIL: ").contains(" contended (p50 ");
        JsonNode root = new ObjectMapper().readTree(json.toFile());
        assertThat(root.path("probes").toString()).contains("gil:symbol take_gil.lto_priv.0");
        JsonNode spin = null;
        for (JsonNode w : root.path("windows")) {
            if (w.path("name").asText().equals("spin-0")) {
                spin = w.path("gil");
            }
        }
        assertThat(spin).isNotNull();
        assertThat(spin.path("contended").path("count").asLong()).isPositive();
        assertThat(spin.path("waits").path("log2Histogram")).hasSize(40);
        assertThat(root.path("gil").path("waits").path("count").asLong())
                .isGreaterThanOrEqualTo(spin.path("waits").path("count").asLong());
        assertThat(root.path("losses").path("gilUnpaired").asLong()).isZero();

        Path plain = tmp.resolve("plain.json");
        CliRun without = CliRun.run("trace", "--json", plain.toString(), "--", Pythons.debian().toString(),
                PythonFixtures.workload("gil_contention.py").toString(), "-", "1", "0.1");
        assertThat(without.status()).as(without.err()).isZero();
        assertThat(without.out()).doesNotContain("GIL:");
        assertThat(new ObjectMapper().readTree(plain.toFile()).path("gil").isNull()).isTrue();
    }

    /** {@code --family} is repeatable: {@code --family gil --family kernel} records both, as {@code --gil --kernel} does. */
    @Test
    void should_record_gil_waits_and_the_kernel_context_with_family_gil_and_family_kernel() throws Exception {
        Path json = tmp.resolve("both.json");
        CliRun run = CliRun.run("trace", "--family", "gil", "--family", "kernel", "--json", json.toString(), "--",
                Pythons.debian().toString(), PythonFixtures.workload("gil_contention.py").toString(), "-", "2", "0.2");
        assertThat(run.status()).as(run.err()).isZero();
        assertThat(run.out()).contains("GIL: ").contains("Kernel: off-CPU ");
        JsonNode root = new ObjectMapper().readTree(json.toFile());
        assertThat(root.path("probes").toString()).contains("gil:symbol take_gil.lto_priv.0");
        assertThat(root.path("gil").path("waits").path("count").asLong()).isPositive();
        assertThat(root.path("gil").path("contended").path("count").asLong()).isPositive();
        assertThat(root.path("kernel").path("involuntarySwitches").asLong() + root.path("kernel").path("voluntarySwitches")
                .asLong()).isPositive();
    }

    /** A copy of Debian's binary with another build id: no debug file is its, so take_gil cannot be found. */
    @Test
    void should_say_in_one_line_where_take_gil_cannot_be_found() throws Exception {
        byte[] exe = Files.readAllBytes(Pythons.debian());
        byte[] id = java.util.HexFormat.of().parseHex(dev.pybudget.elf.FunctionSymbols.buildId(
                dev.pybudget.elf.ElfFile.read(Pythons.debian())).orElseThrow());
        int at = -1;
        for (int i = 0; i + id.length <= exe.length && at < 0; i++) {
            if (java.util.Arrays.equals(exe, i, i + id.length, id, 0, id.length)) {
                at = i;
            }
        }
        exe[at] ^= (byte) 0xff;
        Path copy = tmp.resolve("python3.11");
        Files.write(copy, exe);
        copy.toFile().setExecutable(true);
        CliRun run = CliRun.run("trace", "--gil", "--", copy.toString(), "-c", "pass");
        assertThat(run.status()).isEqualTo(2);
        assertThat(run.err().strip()).isEqualTo("pybudget: GIL waits cannot be measured in " + copy + ": they are timed on"
                + " CPython's internal take_gil, found only by symbol, and it has no symbol table (.symtab) and no debug file"
                + " for its build id (install python3.11-dbg for a Debian build, or keep the symbol table of a source build).");
    }
}

package dev.pybudget.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import dev.pybudget.support.Pythons;
import dev.pybudget.support.PythonFixtures;

/** {@code trace --kernel} (or {@code --family kernel}): the kernel context in the report and in the JSON; without it, "kernel" is null. */
class KernelCliTest {

    @TempDir
    Path tmp;

    @Test
    void should_record_the_kernel_context_with_kernel_and_not_without() throws Exception {
        Path json = tmp.resolve("run.json");
        CliRun run = CliRun.run("trace", "--kernel", "--json", json.toString(), "--", Pythons.debian().toString(),
                PythonFixtures.workload("kernel_context.py").toString(), tmp.resolve("oracle.json").toString(), "5", "3", "4");
        assertThat(run.status()).as(run.err()).isZero();
        assertThat(run.out()).contains("Kernel: off-CPU ").contains("clock_nanosleep 4");
        JsonNode sleep = null;
        JsonNode root = new ObjectMapper().readTree(json.toFile());
        for (JsonNode w : root.path("windows")) {
            if (w.path("name").asText().equals("sleep")) {
                sleep = w.path("kernel");
            }
        }
        assertThat(sleep).isNotNull();
        assertThat(sleep.path("voluntarySwitches").asLong()).isGreaterThanOrEqualTo(4);
        assertThat(sleep.path("offCpuBlockedNanos").asLong()).isGreaterThanOrEqualTo(4 * 20_000_000L);
        assertThat(sleep.path("syscallsByName").toString()).contains("{\"name\":\"clock_nanosleep\",\"count\":4}");

        Path plain = tmp.resolve("plain.json");
        CliRun without = CliRun.run("trace", "--json", plain.toString(), "--", Pythons.debian().toString(),
                PythonFixtures.workload("kernel_context.py").toString(), tmp.resolve("oracle2.json").toString(), "5", "3", "4");
        assertThat(without.status()).as(without.err()).isZero();
        assertThat(without.out()).doesNotContain("Kernel:");
        assertThat(new ObjectMapper().readTree(plain.toFile()).path("kernel").isNull()).isTrue();
    }

    /** {@code --family kernel} is what {@code --kernel} stands for: the kernel context, and no other family. */
    @Test
    void should_record_the_kernel_context_with_family_kernel() throws Exception {
        Path json = tmp.resolve("run.json");
        CliRun run = CliRun.run("trace", "--family", "kernel", "--json", json.toString(), "--", Pythons.debian().toString(),
                PythonFixtures.workload("kernel_context.py").toString(), tmp.resolve("oracle.json").toString(), "5", "3", "4");
        assertThat(run.status()).as(run.err()).isZero();
        assertThat(run.out()).contains("Kernel: off-CPU ").contains("clock_nanosleep 4").doesNotContain("GIL:");
        JsonNode root = new ObjectMapper().readTree(json.toFile());
        assertThat(root.path("gil").isNull()).isTrue();
        JsonNode sleep = null;
        for (JsonNode w : root.path("windows")) {
            if (w.path("name").asText().equals("sleep")) {
                sleep = w.path("kernel");
            }
        }
        assertThat(sleep).isNotNull();
        assertThat(sleep.path("voluntarySwitches").asLong()).isGreaterThanOrEqualTo(4);
        assertThat(sleep.path("syscallsByName").toString()).contains("{\"name\":\"clock_nanosleep\",\"count\":4}");
    }
}

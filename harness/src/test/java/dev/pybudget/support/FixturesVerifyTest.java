package dev.pybudget.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * python-fixtures/tools/verify.py, untraced: every oracle workload is deterministic (two runs with the oracle give
 * the same counts, a run without it writes nothing), its documented facts hold, the crash modes exit as they say,
 * the HTTP service answers cold and warm, and there is one oracle.py. The oracle tests compare the kernel with
 * these counts, so they are worth only what this check says. On Debian's 3.11 (every marker) and on pyenv's
 * 3.13 (the in-process call counting's side of the oracle).
 */
class FixturesVerifyTest {

    /** What verify.py checks today; fewer means a check went missing. */
    static final int CHECKS = 70;
    private static final Pattern SUMMARY = Pattern.compile("(\\d+) passed, (\\d+) failed");

    @ParameterizedTest
    @ValueSource(strings = {"/usr/bin/python3.11", "/root/.pyenv/versions/3.13.0/bin/python3.13"})
    void verify_py_should_pass_every_check_of_the_workloads_and_their_oracle(String python) throws Exception {
        if (!Files.isRegularFile(Path.of(python))) {
            fail(python + " is missing: apt-get install -y python3.11-minimal (Debian 12); pyenv install 3.13.0");
        }
        Path out = Files.createTempFile("pybudget-verify", ".txt");
        try {
            Process verify = new ProcessBuilder(Pythons.debian().toString(), PythonFixtures.tool("verify.py").toString(),
                    "--python", python).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            if (!verify.waitFor(5, TimeUnit.MINUTES)) {
                verify.destroyForcibly().waitFor();
                fail("verify.py did not finish within 5 minutes; its output:\n" + Files.readString(out));
            }
            List<String> lines = Files.readAllLines(out, StandardCharsets.UTF_8);
            String output = String.join("\n", lines);
            assertThat(lines).as("verify.py's output").isNotEmpty();
            assertThat(lines).as("verify.py's failed checks").noneMatch(l -> l.startsWith("FAIL"));
            Matcher summary = SUMMARY.matcher(lines.get(lines.size() - 1));
            assertThat(summary.matches()).as("verify.py's last line is its summary:%n%s", output).isTrue();
            assertThat(Integer.parseInt(summary.group(2))).as("checks failed:%n%s", output).isZero();
            assertThat(Integer.parseInt(summary.group(1))).as("checks passed:%n%s", output)
                    .isEqualTo(lines.stream().filter(l -> l.startsWith("PASS ")).count())
                    .isGreaterThanOrEqualTo(CHECKS);
            assertThat(verify.exitValue()).as("verify.py's exit status:%n%s", output).isZero();
        } finally {
            Files.deleteIfExists(out);
        }
    }
}

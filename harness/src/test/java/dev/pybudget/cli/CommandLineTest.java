package dev.pybudget.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import dev.pybudget.support.Pythons;

/** The command line's shape: one sentence and the usage on one line, exit 2; and the setup command. */
class CommandLineTest {

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', value = {
            "''| no command given.",
            "tracer -- python3 app.py| unknown command 'tracer'.",
            "trace --json| give the workload after '--': PYTHON SCRIPT [ARGS].",
            "trace --json -- python3 app.py| option --json needs a value.",
            "trace app.py -- python3 app.py| unexpected argument 'app.py' before '--'.",
            "trace --timeout 3x -- python3 app.py| --timeout '3x' is not a duration: give a positive number with ms, s, m or h, e.g. 30s or 2m.",
            "trace --timeout 0 -- python3 app.py| --timeout '0' is not a duration: give a positive number with ms, s, m or h, e.g. 30s or 2m.",
            "trace --container cpython-3.11 -p 8000 -- python3 app.py| --publish '8000' is not HOST:CONTAINER: give two TCP ports from 1 to 65535, e.g. 8000:8000.",
            "trace --publish 8000:8000 -- python3 app.py| --publish needs --container: a workload on this host listens on this host's ports already.",
    })
    void should_refuse_a_command_line_of_the_wrong_shape_in_one_line_with_the_usage(String args, String sentence) {
        CliRun run = CliRun.run(args.isEmpty() ? new String[0] : args.split(" "));

        assertThat(run.status()).isEqualTo(2);
        assertThat(run.errLines()).containsExactly("pybudget: " + sentence + " " + Main.USAGE);
        assertThat(run.out()).isEmpty();
    }

    @Test
    void should_accept_the_timeout_forms_of_timeout_1() {
        TraceCommand.DurationConverter converter = new TraceCommand.DurationConverter();

        assertThat(converter.convert("30")).hasSeconds(30);
        assertThat(converter.convert("30s")).hasSeconds(30);
        assertThat(converter.convert("2m")).hasMinutes(2);
        assertThat(converter.convert("1h")).hasHours(1);
        assertThat(converter.convert("500ms")).hasMillis(500);
        assertThat(TraceCommand.describe(converter.convert("90s"))).isEqualTo("1m30s");
    }

    @Test
    void should_print_the_machine_set_up_script_shipped_in_the_jar() throws Exception {
        CliRun run = CliRun.run("setup");

        assertThat(run.status()).isZero();
        assertThat(run.err()).isEmpty();
        assertThat(run.out()).startsWith("#!/usr/bin/env bash").contains("systemtap-sdt-dev")
                .isEqualTo(Files.readString(Path.of("../ci/setup-engine.sh"), StandardCharsets.UTF_8));
    }

    @Test
    void should_print_the_trace_command_s_help_on_stdout() {
        CliRun run = CliRun.run("trace", "--help");

        assertThat(run.status()).isZero();
        assertThat(run.out()).contains("--timeout=DURATION").contains("-p, --publish=HOST:CONTAINER")
                .contains("--family=NAME").contains("--kernel").contains("The same as --family gil.")
                .contains("PYTHON SCRIPT [ARGS]");
    }

    /** Where no registry answers, a missing image is said at once, not after minutes of Testcontainers' retries. */
    @Test
    void should_say_in_one_sentence_within_seconds_that_a_missing_image_cannot_be_pulled() {
        long start = System.nanoTime();

        CliRun run = CliRun.run("trace", "--container", "pybudget/no-such-image:404", "--", "python3", "app.py");

        long seconds = (System.nanoTime() - start) / 1_000_000_000L;
        assertThat(run.status()).isEqualTo(2);
        assertThat(run.errLines()).hasSize(1).first().asString()
                .startsWith("pybudget: The image pybudget/no-such-image:404 is not on this machine and could not be pulled (")
                .doesNotContain("{\"message\"")
                .endsWith("): build it or docker load it first, or use --container cpython-3.11.");
        assertThat(seconds).as("seconds until the sentence").isLessThanOrEqualTo(ContainerTrace.PULL_LIMIT.toSeconds() + 5);
        assertThat(Pythons.debian()).exists(); // (the host's python is not what failed)
    }
}

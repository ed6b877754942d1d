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
            // Sentences picocli produced that no test pinned, kept word for word when the parser became our own:
            "--bogus| unknown option '--bogus'.",
            "-hV| unknown option '-hV'.",
            "trace -x -- python3 app.py| unknown option '-x'.",
            "trace --json --calls x -- python3 app.py| option --json needs a value.",
            "trace -p -- python3 app.py| option --publish needs a value.",
            "trace --attach c1 --attach c2| option '--attach' (CONTAINER) should be specified only once.",
            "trace --kernel --kernel -- python3 app.py| option '--kernel' should be specified only once.",
            "trace --gil=yes -- python3 app.py| 'yes' is not a boolean.",
            "trace --container cpython-3.11 -pq -- python3 app.py| --publish 'q' is not HOST:CONTAINER: give two TCP ports from 1 to 65535, e.g. 8000:8000.",
            "trace --attach c extra| --attach traces what already runs in that container: give no workload, --container or --publish with it.",
            "setup extra| unexpected argument 'extra'.",
            "setup -- extra| unexpected argument 'extra'.",
            "setup --bogus| unknown option '--bogus'.",
    })
    void should_refuse_a_command_line_of_the_wrong_shape_in_one_line_with_the_usage(String args, String sentence) {
        CliRun run = CliRun.run(args.isEmpty() ? new String[0] : args.split(" "));

        assertThat(run.status()).isEqualTo(2);
        assertThat(run.errLines()).containsExactly("pybudget: " + sentence + " " + Main.USAGE);
        assertThat(run.out()).isEmpty();
    }

    @Test
    void should_accept_the_timeout_forms_of_timeout_1() {
        assertThat(TraceCommand.duration("30")).hasSeconds(30);
        assertThat(TraceCommand.duration("30s")).hasSeconds(30);
        assertThat(TraceCommand.duration("2m")).hasMinutes(2);
        assertThat(TraceCommand.duration("1h")).hasHours(1);
        assertThat(TraceCommand.duration("500ms")).hasMillis(500);
        assertThat(TraceCommand.describe(TraceCommand.duration("90s"))).isEqualTo("1m30s");
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

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', value = {
            "--help| Usage: pybudget [-h] [-V] [COMMAND]",
            "-h| Usage: pybudget [-h] [-V] [COMMAND]",
            "--help trace| Usage: pybudget [-h] [-V] [COMMAND]",
            "trace -h| Usage: pybudget trace [-h] [-V] [--gil] [--kernel] [--attach=CONTAINER]",
            "trace --help --bogus| Usage: pybudget trace [-h] [-V] [--gil] [--kernel] [--attach=CONTAINER]",
            "setup --help| Usage: pybudget setup [-h] [-V]",
            "setup -h extra| Usage: pybudget setup [-h] [-V]",
    })
    void should_print_help_on_stdout_even_next_to_what_it_would_refuse(String args, String firstLine) {
        CliRun run = CliRun.run(args.split(" "));

        assertThat(run.status()).isZero();
        assertThat(run.err()).isEmpty();
        assertThat(run.out().lines().findFirst()).contains(firstLine);
    }

    @Test
    void should_list_the_commands_in_the_top_level_help() {
        assertThat(CliRun.run("--help").out()).contains("""
                Commands:
                  trace  Runs PYTHON SCRIPT [ARGS] with probes attached, prints the report,
                           writes the JSON report.
                  setup  Prints the script that sets a Debian or Ubuntu machine up for
                           pybudget: pipe it to sudo bash.
                """);
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource({"--version", "-V", "-V trace", "trace --version", "trace -V -- python3 app.py", "setup -V", "setup --version"})
    void should_print_the_version_on_stdout_at_the_top_and_for_each_command(String args) {
        CliRun run = CliRun.run(args.split(" "));

        assertThat(run.status()).isZero();
        assertThat(run.err()).isEmpty();
        assertThat(run.out()).isEqualTo("pybudget (development build)\n");
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

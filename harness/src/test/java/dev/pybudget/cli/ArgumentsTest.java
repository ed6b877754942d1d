package dev.pybudget.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pybudget.cli.Arguments.UsageException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The getopt-style reading of one command's arguments: each form a user may type, and each sentence it refuses with. */
class ArgumentsTest {

    private static Arguments trace(String... args) {
        return Arguments.parse(List.of(args), TraceCommand.OPTIONS, true);
    }

    @ParameterizedTest
    @ValueSource(strings = {"--json out.json", "--json=out.json"})
    void should_read_a_long_option_s_value_as_the_next_argument_or_after_an_equals_sign(String given) {
        Arguments arguments = trace(given.split(" "));

        assertThat(arguments.value("--json")).isEqualTo("out.json");
        assertThat(arguments.operands).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"-p 8000:80", "-p8000:80", "-p=8000:80", "--publish 8000:80", "--publish=8000:80"})
    void should_read_a_short_option_s_value_as_the_next_argument_attached_or_after_an_equals_sign(String given) {
        assertThat(trace(given.split(" ")).values("--publish")).containsExactly("8000:80");
    }

    @Test
    void should_keep_every_value_of_a_repeatable_option_in_order() {
        Arguments arguments = trace("--family", "kernel", "-p", "1:2", "--family=gil", "--publish=3:4", "-p5:6");

        assertThat(arguments.values("--family")).containsExactly("kernel", "gil");
        assertThat(arguments.values("--publish")).containsExactly("1:2", "3:4", "5:6");
    }

    @Test
    void should_take_a_value_that_starts_with_a_dash_when_it_names_no_option() {
        assertThat(trace("--calls", "-weird:*").value("--calls")).isEqualTo("-weird:*");
    }

    @Test
    void should_read_a_flag_without_a_value_and_with_true_or_false() {
        assertThat(trace("--kernel").flag("--kernel")).isTrue();
        assertThat(trace("--kernel=TRUE").flag("--kernel")).isTrue();
        assertThat(trace("--kernel=false").flag("--kernel")).isFalse();
        assertThat(trace("--json", "x").flag("--kernel")).isFalse();
    }

    @Test
    void should_keep_everything_after_the_first_double_dash_as_given() {
        Arguments arguments = trace("--gil", "--", "python3", "app.py", "--json", "--", "-p");

        assertThat(arguments.afterDashes).containsExactly("python3", "app.py", "--json", "--", "-p");
        assertThat(arguments.value("--json")).isNull();
        assertThat(arguments.values("--publish")).isEmpty();
        assertThat(arguments.operands).isEmpty();
    }

    @Test
    void should_keep_operands_before_the_double_dash_apart_and_read_a_lone_dash_as_one() {
        Arguments arguments = trace("app.py", "-", "--kernel", "--", "python3");

        assertThat(arguments.operands).containsExactly("app.py", "-");
        assertThat(arguments.afterDashes).containsExactly("python3");
    }

    @ParameterizedTest
    @ValueSource(strings = {"--json", "--json --calls x", "--json -p8000:80", "--json --kernel", "--json -h", "--json --",
            "--json --calls=x"})
    void should_refuse_an_option_whose_value_is_missing_or_is_another_option(String given) {
        assertThatThrownBy(() -> trace(given.split(" "))).isInstanceOf(UsageException.class)
                .hasMessage("option --json needs a value.");
    }

    @Test
    void should_name_a_short_option_by_its_long_name_when_its_value_is_missing() {
        assertThatThrownBy(() -> trace("-p")).hasMessage("option --publish needs a value.");
    }

    @Test
    void should_refuse_a_single_option_given_twice_naming_its_value() {
        assertThatThrownBy(() -> trace("--json", "a", "--json=b")).isInstanceOf(UsageException.class)
                .hasMessage("option '--json' (FILE) should be specified only once.");
        assertThatThrownBy(() -> trace("--kernel", "--kernel")).hasMessage("option '--kernel' should be specified only once.");
    }

    @Test
    void should_refuse_a_flag_given_a_value_other_than_true_or_false() {
        assertThatThrownBy(() -> trace("--gil=yes")).isInstanceOf(UsageException.class).hasMessage("'yes' is not a boolean.");
    }

    @ParameterizedTest
    @ValueSource(strings = {"--cals", "--cals=*:*", "-x", "-hV", "--Json"})
    void should_keep_an_unknown_option_for_later_and_refuse_it_then(String unknown) {
        Arguments arguments = trace(unknown, "--json", "out.json");

        assertThat(arguments.value("--json")).as("read on past it").isEqualTo("out.json");
        assertThatThrownBy(arguments::refuseUnmatched).isInstanceOf(UsageException.class)
                .hasMessage("unknown option '" + unknown + "'.");
    }

    @Test
    void should_let_help_be_asked_for_next_to_an_unknown_option() {
        Arguments arguments = trace("--help", "--bogus");

        assertThat(arguments.flag("--help")).isTrue();
        assertThat(arguments.flag("--version")).isFalse();
        assertThat(trace("-h").flag("--help")).isTrue();
        assertThat(trace("-V").flag("--version")).isTrue();
        assertThat(trace("--version").flag("--version")).isTrue();
    }

    @Test
    void should_refuse_the_first_operand_of_a_command_that_takes_none_even_after_the_double_dash() {
        List<Arguments.Option> setup = List.of(Arguments.HELP, Arguments.VERSION);

        assertThatThrownBy(Arguments.parse(List.of("extra", "--bogus"), setup, false)::refuseUnmatched)
                .hasMessage("unexpected argument 'extra'.");
        assertThatThrownBy(Arguments.parse(List.of("--bogus", "extra"), setup, false)::refuseUnmatched)
                .hasMessage("unknown option '--bogus'.");
        assertThatThrownBy(Arguments.parse(List.of("--", "x"), setup, false)::refuseUnmatched)
                .hasMessage("unexpected argument 'x'.");
    }

    @Test
    void should_refuse_nothing_when_every_argument_was_known() {
        Arguments arguments = trace("--json", "a", "--", "python3", "app.py");

        arguments.refuseUnmatched();
        assertThat(arguments.value("--json")).isEqualTo("a");
    }

    @ParameterizedTest
    @ValueSource(strings = {"abc", "0", "0s", "", "5x", "1.5s", "-1", "1234567890", "s", "+5"})
    void should_refuse_a_timeout_that_is_not_a_positive_duration(String value) {
        assertThatThrownBy(() -> TraceCommand.duration(value)).isInstanceOf(UsageException.class)
                .hasMessage("--timeout '" + value + "' is not a duration: give a positive number with ms, s, m or h, e.g."
                        + " 30s or 2m.");
    }

    @Test
    void should_read_the_largest_timeout_of_nine_digits() {
        assertThat(TraceCommand.duration("999999999h")).hasHours(999_999_999);
    }

    @Test
    void should_read_a_published_port_pair() {
        assertThat(PublishedPort.parse("8000:80")).isEqualTo(new PublishedPort(8000, 80));
        assertThat(PublishedPort.parse("65535:1").binding()).isEqualTo("65535:1");
    }

    @ParameterizedTest
    @ValueSource(strings = {"8000", "0:80", "65536:80", "80:0", ":80", "80:", "1:2:3", "a:b", "123456:1", "-1:80", ""})
    void should_refuse_a_published_port_pair_that_is_not_two_tcp_ports(String value) {
        assertThatThrownBy(() -> PublishedPort.parse(value)).isInstanceOf(UsageException.class)
                .hasMessage("--publish '" + value + "' is not HOST:CONTAINER: give two TCP ports from 1 to 65535, e.g."
                        + " 8000:8000.");
    }
}

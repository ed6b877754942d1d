package dev.pybudget.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The agent's command line: one repeatable {@code --family NAME}, and the two flags it had before. */
class AgentArgumentsTest {

    @Test
    void should_record_every_family_named_by_family() {
        AgentMain.Arguments a = AgentMain.Arguments.parse(
                new String[] {"--family", "gil", "--family", "kernel", "--gate", "/tmp/.pybudget-gate"});

        assertThat(a.options().families()).containsExactly("kernel", "gil");
        assertThat(a.gate()).isEqualTo("/tmp/.pybudget-gate");
    }

    @Test
    void should_still_accept_the_flags_of_before_family() {
        AgentMain.Arguments a = AgentMain.Arguments.parse(
                new String[] {"--kernel-context", "--gil-waits", "--attach", "auto"});

        assertThat(a.options().families()).containsExactly("kernel", "gil");
    }

    @Test
    void should_refuse_an_unknown_family_in_one_sentence() {
        assertThatThrownBy(() -> AgentMain.Arguments.parse(new String[] {"--family", "gpu", "--attach", "auto"}))
                .hasMessage("Unknown probe family 'gpu': the optional families are kernel and gil.");
    }
}

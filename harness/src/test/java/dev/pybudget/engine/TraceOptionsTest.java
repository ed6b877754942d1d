package dev.pybudget.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The optional families, named in one place: {@code withFamily} and its shorthands, and the one sentence for a wrong name. */
class TraceOptionsTest {

    @Test
    void should_name_the_optional_families_as_their_json_fields_in_family_order() {
        assertThat(ProbeFamily.optionalNames()).containsExactly("kernel", "gil");
        assertThat(ProbeFamily.all()).filteredOn(ProbeFamily::optional).extracting(ProbeFamily::name)
                .containsExactlyElementsOf(ProbeFamily.optionalNames());
        assertThat(ProbeFamily.all()).filteredOn(f -> !f.optional()).extracting(ProbeFamily::name)
                .containsExactly("gc", "imports", "calls", "audit");
    }

    @Test
    void should_record_a_family_by_its_name_as_its_shorthand_does() {
        TraceOptions defaults = TraceOptions.defaults();

        assertThat(defaults.families()).isEmpty();
        assertThat(defaults.withFamily("kernel")).isEqualTo(defaults.withKernelContext(true));
        assertThat(defaults.withFamily("gil")).isEqualTo(defaults.withGilWaits(true));
        assertThat(defaults.withFamily("gil").withFamily("kernel").withFamily("gil").families())
                .containsExactly("kernel", "gil");
        assertThat(defaults.withFamily("gil").kernelContext()).isFalse();
        assertThat(defaults.withFamily("gil").gilWaits()).isTrue();
        assertThat(defaults.withFamily("kernel").withFamily("gil").withKernelContext(false).families()).containsExactly("gil");
        assertThat(defaults.withFamily("kernel").withTimeout(Duration.ofSeconds(3)).withCallPattern("*:f").families())
                .as("kept by every other withX").containsExactly("kernel");
    }

    @Test
    void should_say_which_families_a_trace_loads_from_its_options_alone() {
        TraceOptions both = TraceOptions.defaults().withFamily("gil").withFamily("kernel");

        assertThat(ProbeFamily.all()).filteredOn(f -> f.recorded(both)).extracting(ProbeFamily::name)
                .containsExactly("kernel", "gil");
        assertThat(ProbeFamily.all()).filteredOn(f -> f.recorded(TraceOptions.defaults())).isEmpty();
    }

    @Test
    @SuppressWarnings("deprecation")
    void should_keep_the_constructor_with_two_flags() {
        TraceOptions old = new TraceOptions(Optional.empty(), false, 1 << 22, 16384, true, Duration.ZERO, true,
                CallCounting.AUTO, true);

        assertThat(old).isEqualTo(TraceOptions.defaults().withKernelContext(true).withGilWaits(true));
        assertThat(new TraceOptions(Optional.empty(), false, 1 << 22, 16384, true, Duration.ZERO, true).families())
                .containsExactly("kernel");
    }

    @Test
    void should_refuse_an_unknown_family_in_one_sentence_naming_the_optional_ones() {
        assertThatThrownBy(() -> TraceOptions.defaults().withFamily("gc"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Unknown probe family 'gc': the optional families are kernel and gil.");
        assertThatThrownBy(() -> new LocalWorkload("python3", "app.py").withFamily("Kernel"))
                .hasMessage("Unknown probe family 'Kernel': the optional families are kernel and gil.");
    }
}

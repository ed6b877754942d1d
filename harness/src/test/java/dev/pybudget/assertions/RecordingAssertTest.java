package dev.pybudget.assertions;

import static dev.pybudget.assertions.PyBudgetAssertions.assertThat;
import static dev.pybudget.assertions.TestRecordings.imp;
import static dev.pybudget.assertions.TestRecordings.losses;
import static dev.pybudget.assertions.TestRecordings.recording;
import static dev.pybudget.assertions.TestRecordings.sections;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pybudget.recording.Recording;
import org.junit.jupiter.api.Test;

class RecordingAssertTest {

    private final Recording recording = recording()
            .window("first", sections().imports(imp("json", 1, 3.2)))
            .window("second", sections())
            .build();

    @Test
    void window_should_lead_to_the_window() {
        assertThat(recording).window("second").imports().isEmpty();
        assertThatThrownBy(() -> assertThat(recording).window("first").imports().isEmpty())
                .hasMessageStartingWith("Expected no imports in window 'first', but 1 module was imported");
    }

    @Test
    void window_should_fail_at_once_listing_the_windows_there_are() {
        assertThatThrownBy(() -> assertThat(recording).window("request"))
                .isExactlyInstanceOf(AssertionError.class)
                .hasMessage("Expected a window named 'request', but the recording has none by that name;"
                        + " its windows are 'first', 'second'.");
    }

    @Test
    void window_should_say_how_to_mark_one_when_there_are_none() {
        assertThatThrownBy(() -> assertThat(recording().build()).window("request"))
                .hasMessage("Expected a window named 'request', but the recording has no windows at all (mark one from Python"
                        + " with sys.audit(\"pybudget.begin\", name) and sys.audit(\"pybudget.end\", name), or from Java with"
                        + " Trace.openWindow).");
    }

    @Test
    void a_missing_window_should_be_inconclusive_when_window_marks_were_lost() {
        Recording lost = recording().losses(losses(0, 0, 0, 0, 0, 1, 0, 0, 0)).build();
        assertThatThrownBy(() -> assertThat(lost).window("request"))
                .isExactlyInstanceOf(InconclusiveBudgetError.class)
                .hasMessage("Expected a window named 'request', but 1 window mark could not be followed (1 with a name"
                        + " that is not a readable str), so the window may have been missed.");
    }

    @Test
    void window_should_reject_a_null_or_empty_name() {
        assertThatThrownBy(() -> assertThat(recording).window(null))
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessage("A window name must not be null or empty.");
        assertThatThrownBy(() -> assertThat(recording).window(""))
                .isExactlyInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void a_null_recording_should_fail_like_any_AssertJ_assertion() {
        assertThatThrownBy(() -> assertThat((Recording) null).gc())
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("Expecting actual not to be null");
    }

    @Test
    void a_scope_made_elsewhere_can_be_asserted_on_directly() {
        assertThat(RecordingScope.window(recording, "second")).imports().isEmpty();
        assertThatThrownBy(() -> assertThat(RecordingScope.window(recording, "third")).imports().isEmpty())
                .hasMessage("Expected no imports in window 'third', but the recording has no window 'third';"
                        + " its windows are 'first', 'second'.");
    }

    @Test
    void withFailMessage_should_replace_failed_and_inconclusive_messages_alike() {
        assertThatThrownBy(() -> assertThat(recording).window("first").imports().withFailMessage("no lazy imports!").isEmpty())
                .isExactlyInstanceOf(AssertionError.class).hasMessage("no lazy imports!");
        Recording lossy = recording().losses(losses(1, 0, 0, 0, 0, 0, 0, 0, 0)).build();
        assertThatThrownBy(() -> assertThat(lossy).imports().withFailMessage("too slow").hasTotalTimeBelow(java.time.Duration.ofSeconds(1)))
                .isExactlyInstanceOf(InconclusiveBudgetError.class).hasMessage("too slow");
    }
}

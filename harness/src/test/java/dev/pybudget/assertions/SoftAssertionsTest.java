package dev.pybudget.assertions;

import static dev.pybudget.assertions.TestRecordings.imp;
import static dev.pybudget.assertions.TestRecordings.recording;
import static dev.pybudget.assertions.TestRecordings.sections;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.pybudget.recording.Recording;
import java.util.List;
import org.assertj.core.api.SoftAssertions;
import org.assertj.core.api.AbstractSoftAssertions;
import org.junit.jupiter.api.Test;

class SoftAssertionsTest {

    private final Recording recording = recording()
            .window("request", sections().gc(1, 0, 2).imports(imp("json", 1, 3.2)))
            .whole(sections().audit("socket.connect", 1))
            .build();

    /** The messages without the line AssertJ appends to each collected error ("at SoftAssertionsTest.java:24"). */
    private static List<String> messages(AbstractSoftAssertions softly) {
        return softly.errorsCollected().stream().map(e -> e.getMessage().replaceFirst("\nat [^\n]*$", "")).toList();
    }

    @Test
    void should_collect_every_failure_through_navigation_with_PyBudgetSoftAssertions() {
        PyBudgetSoftAssertions softly = new PyBudgetSoftAssertions();
        softly.assertThat(recording).window("request").imports().isEmpty();
        softly.assertThat(recording).window("request").gc().hasNoCollections(2).hasNoCollections(1);
        softly.assertThat(recording).audit().hasNoEvent("socket.*");

        assertThat(messages(softly)).containsExactly(
                "Expected no imports in window 'request', but 1 module was imported (3.2 ms):\n  json 3.2 ms",
                "Expected no gen-2 collections in window 'request', but there were 2:\n"
                        + "  collections: gen0 1, gen1 0, gen2 2; 0 objects collected\n  pauses: none",
                "Expected no audit event 'socket.*', but there was 1:\n  1  socket.connect");
    }

    @Test
    void should_collect_failures_with_AssertJ_SoftAssertions_proxy() {
        SoftAssertions softly = new SoftAssertions();
        softly.proxy(RecordingAssert.class, Recording.class, recording).window("request").gc().hasNoCollections(2);
        softly.proxy(RecordingAssert.class, Recording.class, recording).window("request").imports().hasCountAtMost(1);

        assertThat(softly.errorsCollected()).hasSize(1);
        assertThat(softly.errorsCollected().get(0)).hasMessageStartingWith("Expected no gen-2 collections in window 'request'");
    }

    @Test
    void should_report_a_missing_window_at_each_soft_assertion_on_it() {
        PyBudgetSoftAssertions softly = new PyBudgetSoftAssertions();
        softly.assertThat(recording).window("checkout").imports().isEmpty();
        softly.assertThat(recording).window("checkout").gc().hasNoCollections(2);

        assertThat(messages(softly)).containsExactly(
                "Expected no imports in window 'checkout', but the recording has no window 'checkout'; its window is 'request'.",
                "Expected no gen-2 collections in window 'checkout', but the recording has no window 'checkout';"
                        + " its window is 'request'.");
    }

    @Test
    void should_pass_when_every_soft_assertion_holds() {
        PyBudgetSoftAssertions.assertSoftly(softly -> {
            softly.assertThat(recording).window("request").gc().hasCollectionsAtMost(2, 2).hasNoCollections(1);
            softly.assertThat(recording).imports().isEmpty();
            softly.assertThat(recording).audit().hasNoEvent("subprocess.*");
        });
    }

    @Test
    void should_fail_assertSoftly_with_all_collected_messages() {
        AssertionError error = catchThrowableOfType(AssertionError.class, () -> PyBudgetSoftAssertions.assertSoftly(softly -> {
            softly.assertThat(recording).window("request").imports().containsNone("json");
            softly.assertThat(recording).audit().hasNoEvent("socket.connect");
        }));
        assertThat(error).hasMessageContainingAll("Multiple Failures (2 failures)",
                "Expected no import of 'json' in window 'request', but 1 module matched (3.2 ms):\n  json 3.2 ms",
                "Expected no audit event 'socket.connect', but there was 1:\n  1  socket.connect");
    }

    @Test
    void should_collect_inconclusive_verdicts_as_InconclusiveBudgetError() {
        Recording lossy = recording().missingProbe("function__return").python("3.13.5").build();
        PyBudgetSoftAssertions softly = new PyBudgetSoftAssertions();
        softly.assertThat(lossy).calls().hasCallsAtMost("*/app.py:parse", 100);

        assertThat(softly.errorsCollected()).hasSize(1);
        assertThat(softly.errorsCollected().get(0)).isInstanceOf(InconclusiveBudgetError.class)
                .hasMessageStartingWith("Expected at most 100 calls of '*/app.py:parse', but CPython 3.13.5 has no function__return"
                        + " probe (CPython 3.12 removed it), so calls cannot be counted.");
    }
}

package dev.pybudget.assertions;

import static dev.pybudget.assertions.TestRecordings.imp;
import static dev.pybudget.assertions.TestRecordings.recording;
import static dev.pybudget.assertions.TestRecordings.sections;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.pybudget.recording.Recording;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The static checks an annotation calls: the same verdicts and messages as the assertions, and numbers for reports. */
class BudgetCheckTest {

    private final Recording recording = recording().python("3.13.5").missingProbe("function__return")
            .window("request", sections().gc(4, 0, 1).imports(imp("json", 50, 3.2))).build();
    private final RecordingScope request = RecordingScope.window(recording, "request");

    @Test
    void a_passed_check_should_carry_its_numbers_and_throw_nothing() {
        BudgetCheck check = Budgets.gcCollectionsAtMost(request, 2, 1);
        assertThat(check.verdict()).isEqualTo(Verdict.PASSED);
        assertThat(check.budget()).isEqualTo("at most 1 gen-2 collection in window 'request'");
        assertThat(check.measured()).isEqualTo("1 gen-2 collection");
        assertThat(check.message()).isEmpty();
        check.orThrow();
    }

    @Test
    void a_failed_check_should_throw_the_message_the_assertion_throws() {
        BudgetCheck check = Budgets.noImports(request);
        assertThat(check.verdict()).isEqualTo(Verdict.FAILED);
        assertThat(check.measured()).isEqualTo("1 import (3.2 ms)");
        Throwable fromAssertion = catchThrowable(() -> PyBudgetAssertions.assertThat(recording).window("request").imports().isEmpty());
        assertThatThrownBy(check::orThrow).isExactlyInstanceOf(AssertionError.class)
                .hasMessage(check.message()).hasMessage(fromAssertion.getMessage());
    }

    @Test
    void an_inconclusive_check_should_throw_InconclusiveBudgetError() {
        BudgetCheck check = Budgets.callsAtMost(request, "*/app.py:parse", 100);
        assertThat(check.verdict()).isEqualTo(Verdict.INCONCLUSIVE);
        assertThat(check.measured()).isEqualTo("no function__return probe");
        assertThatThrownBy(check::orThrow).isExactlyInstanceOf(InconclusiveBudgetError.class)
                .hasMessage("Expected at most 100 calls of '*/app.py:parse' in window 'request', but CPython 3.13.5 has no"
                        + " function__return probe (CPython 3.12 removed it), so calls cannot be counted.");
    }

    @Test
    void a_check_should_have_a_message_exactly_when_it_did_not_pass() {
        assertThatThrownBy(() -> new BudgetCheck("b", Verdict.FAILED, "m", Optional.empty(), List.of()))
                .isExactlyInstanceOf(IllegalArgumentException.class);
        assertThat(Verdict.INCONCLUSIVE.word()).isEqualTo("inconclusive");
    }

    @Test
    void hasWindow_should_pass_fail_or_refuse_the_whole_run() {
        assertThat(Budgets.hasWindow(request).verdict()).isEqualTo(Verdict.PASSED);
        assertThat(Budgets.hasWindow(RecordingScope.window(recording, "other")).message())
                .isEqualTo("Expected a window named 'other', but the recording has none by that name; its window is 'request'.");
        assertThatThrownBy(() -> Budgets.hasWindow(RecordingScope.whole(recording)))
                .isExactlyInstanceOf(IllegalArgumentException.class);
    }
}

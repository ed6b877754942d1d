package dev.pybudget.assertions;

import dev.pybudget.recording.Recording;

/**
 * The entry point of pybudget's assertions, in AssertJ's style:
 * <pre>{@code
 * import static dev.pybudget.assertions.PyBudgetAssertions.assertThat;
 *
 * assertThat(recording).window("request").imports().containsNone("decimal", "email");
 * assertThat(recording).gc().hasCollectionsAtMost(2, 0).hasMaxPauseBelow(Duration.ofMillis(5));
 * assertThat(recording).calls().hasCallsAtMost("*}{@code /app.py:parse", 100);
 * assertThat(recording).window("io").audit().hasNoEvent("socket.connect");
 * }</pre>
 * A budget that cannot be decided (events or counts lost, a probe this CPython lacks) fails with
 * an {@link InconclusiveBudgetError}, never passes. {@link PyBudgetSoftAssertions} collects
 * failures instead of stopping at the first.
 */
public final class PyBudgetAssertions {
    private PyBudgetAssertions() {}

    public static RecordingAssert assertThat(Recording recording) {
        return new RecordingAssert(recording);
    }

    /** A scope made elsewhere, e.g. {@code RecordingScope.window(recording, "request")}. */
    public static RecordingScopeAssert assertThat(RecordingScope scope) {
        return new RecordingScopeAssert(scope);
    }
}

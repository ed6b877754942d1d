package dev.pybudget.assertions;

import dev.pybudget.recording.Recording;
import org.assertj.core.api.SoftAssertionsProvider;

/**
 * Adds {@code assertThat(Recording)} to any AssertJ soft assertions, e.g.
 * {@code class MySoftly extends SoftAssertions implements PyBudgetSoftAssertionsProvider {}}.
 * Navigation ({@code window}, {@code gc}, {@code imports}, ...) stays soft.
 */
public interface PyBudgetSoftAssertionsProvider extends SoftAssertionsProvider {

    default RecordingAssert assertThat(Recording recording) {
        return proxy(RecordingAssert.class, Recording.class, recording);
    }

    default RecordingScopeAssert assertThat(RecordingScope scope) {
        return proxy(RecordingScopeAssert.class, RecordingScope.class, scope);
    }
}

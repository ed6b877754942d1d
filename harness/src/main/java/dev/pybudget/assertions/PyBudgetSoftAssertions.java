package dev.pybudget.assertions;

import java.util.function.Consumer;
import org.assertj.core.api.AbstractSoftAssertions;
import org.assertj.core.api.SoftAssertionsProvider;

/**
 * Soft assertions on recordings: every budget is checked and all failures are reported together.
 * <pre>{@code
 * PyBudgetSoftAssertions.assertSoftly(softly -> {
 *     softly.assertThat(recording).window("request").imports().isEmpty();
 *     softly.assertThat(recording).gc().hasNoCollections(2);
 * });
 * }</pre>
 */
public class PyBudgetSoftAssertions extends AbstractSoftAssertions implements PyBudgetSoftAssertionsProvider {

    public static void assertSoftly(Consumer<PyBudgetSoftAssertions> softly) {
        SoftAssertionsProvider.assertSoftly(PyBudgetSoftAssertions.class, softly);
    }
}

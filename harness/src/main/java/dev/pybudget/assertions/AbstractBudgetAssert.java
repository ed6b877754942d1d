package dev.pybudget.assertions;

import java.util.function.Function;
import org.assertj.core.api.AbstractAssert;
import org.assertj.core.api.AssertFactory;

/**
 * What every pybudget assertion shares: a {@link BudgetCheck} becomes a pass, an
 * {@link AssertionError}, or an {@link InconclusiveBudgetError}, honouring {@code as(...)} and
 * {@code withFailMessage(...)} as AssertJ's own assertions do.
 *
 * <p>Subclasses keep exactly the two type parameters, {@code <SELF, ACTUAL>}: AssertJ's soft
 * assertions read the actual type from them when they proxy an assertion.
 */
public abstract class AbstractBudgetAssert<SELF extends AbstractBudgetAssert<SELF, ACTUAL>, ACTUAL>
        extends AbstractAssert<SELF, ACTUAL> {

    protected AbstractBudgetAssert(ACTUAL actual, Class<?> selfType) {
        super(actual, selfType);
    }

    /**
     * Navigation ({@code window}, {@code gc}, {@code imports}, {@code busiest}, ...) goes through
     * here. It is public because AssertJ's soft assertions proxy the assertion returned by public
     * methods named "extracting" and by no others of ours: so the assertions reached by navigation
     * stay soft.
     */
    @Override
    public <T, ASSERT extends AbstractAssert<?, ?>> ASSERT extracting(Function<? super ACTUAL, ? extends T> extractor,
                                                                     AssertFactory<T, ASSERT> assertFactory) {
        return super.extracting(extractor, assertFactory);
    }

    /** Passes on, or fails with the check's message. */
    protected SELF check(BudgetCheck check) {
        AssertedChecks.checked(check);
        switch (check.verdict()) {
            case PASSED:
                // A passing check can still have news (a baseline written, an improvement): say it where a test run shows it.
                check.notes().forEach(note -> System.out.println("pybudget: " + note));
                return myself;
            case FAILED:
                throw assertionError(check.failure().orElseThrow());
            default:
                String overriding = info.overridingErrorMessage();
                throw new InconclusiveBudgetError(overriding != null ? overriding
                        : check.message(info.description(), info.representation()));
        }
    }
}

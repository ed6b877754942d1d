package dev.pybudget.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Repeatable;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * At most {@code max} calls of the functions matching {@code function} during the test (or in one
 * of its windows). The workload must count those calls: give it a call pattern that covers them
 * ({@code withCallPattern}). On 3.12 and later the calls are counted inside the workload ({@code sys.monitoring});
 * when they could not be counted at all, this fails as inconclusive, saying why.
 *
 * <pre>{@code @MaxCalls(function = "*}{@code /app.py:parse", max = 100)}</pre>
 */
@Target({ElementType.METHOD, ElementType.TYPE, ElementType.ANNOTATION_TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Repeatable(MaxCalls.List.class)
@ExtendWith(BudgetExtension.class)
public @interface MaxCalls {

    /** {@code FILE_GLOB:FUNCTION_GLOB} on co_filename and co_name ('*' and '?'). */
    String function();

    /** The most calls allowed. */
    long max();

    /** A window's name; empty: the whole test. */
    String window() default "";

    @Target({ElementType.METHOD, ElementType.TYPE, ElementType.ANNOTATION_TYPE})
    @Retention(RetentionPolicy.RUNTIME)
    @Documented
    @ExtendWith(BudgetExtension.class)
    @interface List {
        MaxCalls[] value();
    }
}

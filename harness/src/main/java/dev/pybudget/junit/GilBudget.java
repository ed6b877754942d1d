package dev.pybudget.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Repeatable;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The waits for the GIL in the test (or in one of its windows): how many times the workload's threads waited
 * for the GIL another thread held, and how long, timed in the kernel on CPython's take_gil. Each element left
 * at -1 is no budget; set at least one. The workload must record GIL waits ({@code withGilWaits(true)});
 * otherwise the budget is inconclusive and the test fails, saying so.
 *
 * <pre>{@code @GilBudget(p99WaitBelowMillis = 2, window = "request")}</pre>
 */
@Target({ElementType.METHOD, ElementType.TYPE, ElementType.ANNOTATION_TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Repeatable(GilBudget.List.class)
@ExtendWith(BudgetExtension.class)
public @interface GilBudget {

    /** The most waits. */
    long maxWaits() default -1;

    /** Every wait shorter than this many milliseconds. */
    long maxWaitBelowMillis() default -1;

    /** The 99th percentile of the waits below this many milliseconds. */
    long p99WaitBelowMillis() default -1;

    /** A window's name; empty: the whole test. */
    String window() default "";

    @Target({ElementType.METHOD, ElementType.TYPE, ElementType.ANNOTATION_TYPE})
    @Retention(RetentionPolicy.RUNTIME)
    @Documented
    @ExtendWith(BudgetExtension.class)
    @interface List {
        GilBudget[] value();
    }
}

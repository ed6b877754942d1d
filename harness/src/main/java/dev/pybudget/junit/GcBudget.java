package dev.pybudget.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Repeatable;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * At most {@code max} collections of one generation during the test (or in one of its windows),
 * counted in the kernel. On a test method, a test class, or another annotation.
 *
 * <pre>{@code @GcBudget(generation = 2, max = 0)}</pre>
 */
@Target({ElementType.METHOD, ElementType.TYPE, ElementType.ANNOTATION_TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Repeatable(GcBudget.List.class)
@ExtendWith(BudgetExtension.class)
public @interface GcBudget {

    /** The generation: 0, 1 or 2. */
    int generation();

    /** The most collections allowed. */
    long max();

    /** A window's name; empty: the whole test. */
    String window() default "";

    @Target({ElementType.METHOD, ElementType.TYPE, ElementType.ANNOTATION_TYPE})
    @Retention(RetentionPolicy.RUNTIME)
    @Documented
    @ExtendWith(BudgetExtension.class)
    @interface List {
        GcBudget[] value();
    }
}

package dev.pybudget.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Repeatable;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * No import during the test (or in one of its windows); with {@code value}, none of those modules
 * or packages ("email" also forbids "email.mime.text"). A failure shows the import tree with times.
 *
 * <pre>{@code @NoImports(window = "request")}</pre>
 */
@Target({ElementType.METHOD, ElementType.TYPE, ElementType.ANNOTATION_TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Repeatable(NoImports.List.class)
@ExtendWith(BudgetExtension.class)
public @interface NoImports {

    /** Modules or packages that must not be imported; empty: no import at all. */
    String[] value() default {};

    /** A window's name; empty: the whole test. */
    String window() default "";

    @Target({ElementType.METHOD, ElementType.TYPE, ElementType.ANNOTATION_TYPE})
    @Retention(RetentionPolicy.RUNTIME)
    @Documented
    @ExtendWith(BudgetExtension.class)
    @interface List {
        NoImports[] value();
    }
}

package dev.pybudget.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Repeatable;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * No audit event matching these names (or globs) during the test (or in one of its windows):
 * e.g. {@code socket.connect}, {@code subprocess.Popen}, {@code open}, {@code socket.*}.
 *
 * <pre>{@code @NoAudit(value = "socket.connect", window = "request")}</pre>
 */
@Target({ElementType.METHOD, ElementType.TYPE, ElementType.ANNOTATION_TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Repeatable(NoAudit.List.class)
@ExtendWith(BudgetExtension.class)
public @interface NoAudit {

    /** Audit event names or globs. */
    String[] value();

    /** A window's name; empty: the whole test. */
    String window() default "";

    @Target({ElementType.METHOD, ElementType.TYPE, ElementType.ANNOTATION_TYPE})
    @Retention(RetentionPolicy.RUNTIME)
    @Documented
    @ExtendWith(BudgetExtension.class)
    @interface List {
        NoAudit[] value();
    }
}

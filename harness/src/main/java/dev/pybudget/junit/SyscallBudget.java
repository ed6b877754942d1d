package dev.pybudget.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Repeatable;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * At most {@code max} entries of one syscall during the test (or in one of its windows), counted in the
 * kernel for the workload's threads. The workload must record the kernel context
 * ({@code withKernelContext(true)}); otherwise the budget is inconclusive and the test fails, saying so.
 *
 * <pre>{@code @SyscallBudget(syscall = "openat", max = 10, window = "request")}</pre>
 */
@Target({ElementType.METHOD, ElementType.TYPE, ElementType.ANNOTATION_TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Repeatable(SyscallBudget.List.class)
@ExtendWith(BudgetExtension.class)
public @interface SyscallBudget {

    /** The syscall as this architecture's kernel headers name it: "openat", "newfstatat", "read". */
    String syscall();

    /** The most entries allowed. */
    long max();

    /** A window's name; empty: the whole test. */
    String window() default "";

    @Target({ElementType.METHOD, ElementType.TYPE, ElementType.ANNOTATION_TYPE})
    @Retention(RetentionPolicy.RUNTIME)
    @Documented
    @ExtendWith(BudgetExtension.class)
    @interface List {
        SyscallBudget[] value();
    }
}

package dev.pybudget.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Repeatable;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The kernel's side of the test (or of one of its windows), counted in the kernel for the workload's
 * threads: page faults, context switches, off-CPU time. Each element left at -1 is no budget; set at
 * least one. The workload must record the kernel context ({@code withKernelContext(true)}); otherwise
 * the budget is inconclusive and the test fails, saying so.
 *
 * <pre>{@code @KernelBudget(maxMajorFaults = 0, offCpuBelowMillis = 5, window = "request")}</pre>
 */
@Target({ElementType.METHOD, ElementType.TYPE, ElementType.ANNOTATION_TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Repeatable(KernelBudget.List.class)
@ExtendWith(BudgetExtension.class)
public @interface KernelBudget {

    /** The most page faults that waited for I/O. */
    long maxMajorFaults() default -1;

    /** The most page faults served from memory. */
    long maxMinorFaults() default -1;

    /** The most context switches, voluntary and involuntary. */
    long maxContextSwitches() default -1;

    /** Off-CPU time (runnable and blocked) below this many milliseconds. */
    long offCpuBelowMillis() default -1;

    /** A window's name; empty: the whole test. */
    String window() default "";

    @Target({ElementType.METHOD, ElementType.TYPE, ElementType.ANNOTATION_TYPE})
    @Retention(RetentionPolicy.RUNTIME)
    @Documented
    @ExtendWith(BudgetExtension.class)
    @interface List {
        KernelBudget[] value();
    }
}

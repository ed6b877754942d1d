package dev.pybudget.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a field holding a {@link dev.pybudget.engine.TracedWorkload} (a {@code PythonWorkloadContainer}
 * or a {@code LocalWorkload}) for {@link PythonPerfTest} to start and stop: a static field is shared by
 * the class's tests, an instance field is new for each test (in a {@code @TestInstance(PER_CLASS)} class,
 * whose one instance serves every test, it lives as long as that instance). A {@code @Nested} class
 * without workloads of its own uses its enclosing class's.
 */
@Target(ElementType.FIELD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface Workload {}

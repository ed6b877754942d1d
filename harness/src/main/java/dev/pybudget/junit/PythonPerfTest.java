package dev.pybudget.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Starts the class's {@link Workload} fields with the probes attached (static fields once for the
 * class, instance fields for each test, or once with {@code @TestInstance(PER_CLASS)}), resolves
 * {@link Recorder} parameters, records each test from after its {@code @BeforeEach} methods to its
 * end, and writes that recording to {@code target/pybudget/<Class>-<method>[-<invocation>].json}
 * (the folder is the configuration parameter {@code pybudget.reportDir}), and a Chrome trace of it
 * ({@code .trace.json}, for Perfetto or chrome://tracing) beside it. Tests that would use one
 * workload at the same time are refused with a sentence: each would count the other's work.
 *
 * <p>When Docker (for containers) or BPF rights are missing, the test fails with one sentence
 * saying which: a performance gate must not pass without measuring.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(PythonPerfExtension.class)
public @interface PythonPerfTest {

    /**
     * Skip (rather than fail) the tests when no Docker engine can be reached: an explicit opt-in,
     * as with Testcontainers' {@code disabledWithoutDocker}. Off by default.
     */
    boolean disabledWithoutDocker() default false;
}

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
 * class, instance fields for each test), resolves {@link Recorder} parameters, and after each test
 * writes what the test recorded to {@code target/pybudget/<Class>-<method>.json}, and a Chrome trace of it
 * ({@code .trace.json}, for Perfetto or chrome://tracing) beside it.
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

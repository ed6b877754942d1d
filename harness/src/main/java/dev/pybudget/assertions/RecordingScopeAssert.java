package dev.pybudget.assertions;

/**
 * Assertions on one scope of a recording, usually a window: reached with
 * {@code assertThat(recording).window("request")}. Not final, so that soft assertions can proxy it.
 */
public class RecordingScopeAssert extends AbstractBudgetAssert<RecordingScopeAssert, RecordingScope> {

    public RecordingScopeAssert(RecordingScope actual) {
        super(actual, RecordingScopeAssert.class);
    }

    RecordingScope scope() {
        return actual;
    }

    /** Collections, objects collected and pauses in this scope. */
    public GcAssert gc() {
        isNotNull();
        return extracting(scope -> scope, GcAssert::new);
    }

    /** Imports that started in this scope, each with the imports it caused. */
    public ImportsAssert imports() {
        isNotNull();
        return extracting(scope -> scope, ImportsAssert::new);
    }

    /** Calls in this scope. */
    public CallsAssert calls() {
        isNotNull();
        return extracting(scope -> scope, CallsAssert::new);
    }

    /** Audit events in this scope. */
    public AuditAssert audit() {
        isNotNull();
        return extracting(scope -> scope, AuditAssert::new);
    }

    /** Off-CPU time, context switches, page faults and syscalls in this scope. */
    public KernelAssert kernel() {
        isNotNull();
        return extracting(scope -> scope, KernelAssert::new);
    }

    /** Waits for the GIL in this scope. */
    public GilAssert gil() {
        isNotNull();
        return extracting(scope -> scope, GilAssert::new);
    }

    /** This scope's counts are within the baseline's tolerances; see {@link Baseline}. */
    public RecordingScopeAssert matchesBaseline(Baseline baseline) {
        isNotNull();
        return check(baseline.check(actual));
    }
}

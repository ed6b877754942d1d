package dev.pybudget.assertions;

import dev.pybudget.assertions.internal.FamilyChecks;
import dev.pybudget.recording.Recording;

/**
 * Assertions on a whole {@link Recording}, and the way into one of its windows:
 * <pre>{@code
 * assertThat(recording).window("request").imports().isEmpty();
 * assertThat(recording).gc().hasNoCollections(2);
 * }</pre>
 * Not final, so that AssertJ's soft assertions can proxy it.
 */
public class RecordingAssert extends AbstractBudgetAssert<RecordingAssert, Recording> {

    public RecordingAssert(Recording actual) {
        super(actual, RecordingAssert.class);
    }

    /**
     * The window {@code name}. Fails at once, listing the windows there are, when the recording
     * has none by that name. Inside soft assertions it cannot fail here (AssertJ would hand the
     * rest of the chain a null), so there every assertion on the missing window fails instead,
     * naming the window and the windows there are.
     */
    public RecordingScopeAssert window(String name) {
        RecordingScope.requireWindowName(name);
        isNotNull();
        RecordingScopeAssert window = extracting(r -> RecordingScope.window(r, name), RecordingScopeAssert::new);
        // A proxy made by soft assertions is a subclass: only the plain assertion fails eagerly.
        if (window.getClass() == RecordingScopeAssert.class && !window.scope().exists()) {
            check(FamilyChecks.hasWindow(window.scope()));
        }
        return window;
    }

    /** Collections, objects collected and pauses of the whole run. */
    public GcAssert gc() {
        isNotNull();
        return extracting(RecordingScope::whole, GcAssert::new);
    }

    /** Imports of the whole run, start-up ones included. */
    public ImportsAssert imports() {
        isNotNull();
        return extracting(RecordingScope::whole, ImportsAssert::new);
    }

    /** Calls of the whole run (counted only for functions that matched the trace's call pattern). */
    public CallsAssert calls() {
        isNotNull();
        return extracting(RecordingScope::whole, CallsAssert::new);
    }

    /** Audit events of the whole run. */
    public AuditAssert audit() {
        isNotNull();
        return extracting(RecordingScope::whole, AuditAssert::new);
    }

    /** Off-CPU time, context switches, page faults and syscalls of the whole run. */
    public KernelAssert kernel() {
        isNotNull();
        return extracting(RecordingScope::whole, KernelAssert::new);
    }

    /** Waits for the GIL in the whole run. */
    public GilAssert gil() {
        isNotNull();
        return extracting(RecordingScope::whole, GilAssert::new);
    }

    /** The whole run's counts are within the baseline's tolerances; see {@link Baseline}. */
    public RecordingAssert matchesBaseline(Baseline baseline) {
        isNotNull();
        return check(baseline.check(RecordingScope.whole(actual)));
    }
}

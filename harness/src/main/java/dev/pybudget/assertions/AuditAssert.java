package dev.pybudget.assertions;

import dev.pybudget.assertions.internal.AuditChecks;
/** Audit budgets, from the kernel's exact counts per event name (sys.audit and every built-in audit hook). */
public class AuditAssert extends AbstractBudgetAssert<AuditAssert, RecordingScope> {

    public AuditAssert(RecordingScope actual) {
        super(actual, AuditAssert.class);
    }

    /** No event whose name matches: "socket.connect", "subprocess.Popen", "open", "socket.*" ('*' and '?'). */
    public AuditAssert hasNoEvent(String nameOrGlob) {
        isNotNull();
        return check(AuditChecks.noAuditEvent(actual, nameOrGlob));
    }
}

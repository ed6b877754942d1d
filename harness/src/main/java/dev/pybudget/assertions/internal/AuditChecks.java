package dev.pybudget.assertions.internal;

import dev.pybudget.assertions.BudgetCheck;
import dev.pybudget.assertions.RecordingScope;
import dev.pybudget.assertions.error.InconclusiveBudget;
import dev.pybudget.assertions.error.ShouldHaveNoAuditEvent;
import dev.pybudget.recording.AuditCount;
import dev.pybudget.recording.AuditEvent;
import java.util.List;

/** The audit family's budgets: audit events that must not fire, from the exact counts per event name. */
public final class AuditChecks {
    private AuditChecks() {}

    /**
     * No audit event whose name matches {@code nameOrGlob} ("socket.connect", "subprocess.Popen",
     * "open", "socket.*"), from the kernel's exact counts per event name.
     */
    public static BudgetCheck noAuditEvent(RecordingScope scope, String nameOrGlob) {
        String glob = Globs.requireEventGlob(nameOrGlob);
        String budget = "no audit event '" + glob + "'" + scope.where();
        return FamilyChecks.decide(scope, budget, List.of(FamilyChecks.AUDIT_PROBE), "audit events", () -> {
            List<AuditCount> matching = scope.sections().audit().stream().filter(a -> Globs.matches(glob, a.event()))
                    .sorted((a, b) -> a.count() != b.count() ? Long.compare(b.count(), a.count()) : a.event().compareTo(b.event()))
                    .toList();
            long n = matching.stream().mapToLong(AuditCount::count).sum();
            if (n > 0) {
                // Where each first fired comes from the stream: shown only when the stream is whole.
                List<AuditEvent> stream = scope.recording().lostEvents() == 0 ? scope.sections().auditEvents() : List.of();
                return BudgetCheck.failed(budget, Evidence.count(n, "matching event", "matching events"),
                        ShouldHaveNoAuditEvent.shouldHaveNoAuditEvent(budget, matching, stream));
            }
            long lost = scope.recording().losses().audit();
            if (lost > 0) {
                return BudgetCheck.inconclusive(budget, Evidence.count(lost, "event", "events") + " not counted",
                        InconclusiveBudget.inconclusive(budget, Evidence.count(lost, "audit event", "audit events")
                                + " found no room in the kernel's audit map, so '" + glob + "' may have fired unseen"));
            }
            return BudgetCheck.passed(budget, "no matching event");
        });
    }
}

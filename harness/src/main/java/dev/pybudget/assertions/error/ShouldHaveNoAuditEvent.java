package dev.pybudget.assertions.error;

import dev.pybudget.assertions.internal.Evidence;
import dev.pybudget.recording.AuditCount;
import dev.pybudget.recording.AuditEvent;
import java.util.List;
import java.util.Optional;
import org.assertj.core.error.BasicErrorMessageFactory;
import org.assertj.core.error.ErrorMessageFactory;

/** Audit events that were ruled out, each with how often it fired and, when streamed, where first. */
public class ShouldHaveNoAuditEvent extends BasicErrorMessageFactory {

    /**
     * "Expected no audit event 'socket.*' in window 'io', but there were 3:" and one line per event name.
     *
     * @param stream the streamed events of the scope (empty when not streamed, or not trustworthy)
     */
    public static ErrorMessageFactory shouldHaveNoAuditEvent(String budget, List<AuditCount> matching,
                                                             List<AuditEvent> stream) {
        long total = matching.stream().mapToLong(AuditCount::count).sum();
        int width = matching.stream().mapToInt(a -> Long.toString(a.count()).length()).max().orElse(1);
        StringBuilder lines = new StringBuilder();
        for (AuditCount a : matching) {
            Optional<AuditEvent> first = Evidence.first(stream, a.event());
            Evidence.line(lines, "  " + " ".repeat(width - Long.toString(a.count()).length()) + a.count() + "  " + a.event()
                    + first.map(e -> " (first at " + Evidence.duration(e.nanos()) + ", thread " + e.thread() + ")").orElse(""));
        }
        return new ShouldHaveNoAuditEvent("Expected %s, but there %s:\n%s", unquotedString(budget),
                unquotedString(total == 1 ? "was 1" : "were " + total), unquotedString(lines.toString()));
    }

    private ShouldHaveNoAuditEvent(String format, Object... arguments) {
        super(format, arguments);
    }
}

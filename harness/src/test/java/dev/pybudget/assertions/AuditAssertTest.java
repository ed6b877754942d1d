package dev.pybudget.assertions;

import static dev.pybudget.assertions.PyBudgetAssertions.assertThat;
import static dev.pybudget.assertions.TestRecordings.losses;
import static dev.pybudget.assertions.TestRecordings.ms;
import static dev.pybudget.assertions.TestRecordings.recording;
import static dev.pybudget.assertions.TestRecordings.sections;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pybudget.recording.Recording;
import org.junit.jupiter.api.Test;

class AuditAssertTest {

    private static TestRecordings.SectionsBuilder io() {
        return sections().audit("open", 3).audit("socket.__new__", 2).audit("os.listdir", 1).audit("socket.bind", 1)
                .audit("socket.connect", 1).audit("subprocess.Popen", 1)
                .auditEvent("open", ms(2.5), 4242).auditEvent("socket.connect", ms(12.3), 4243);
    }

    private final Recording recording = recording().window("io", io()).whole(sections().audit("import", 40)).build();

    @Test
    void hasNoEvent_should_pass_when_no_event_matches() {
        assertThat(recording).window("io").audit().hasNoEvent("ftplib.*").hasNoEvent("urllib.Request")
                .hasNoEvent("socket.connec").hasNoEvent("?pen?");
    }

    @Test
    void hasNoEvent_should_fail_with_the_count_and_where_the_stream_saw_it_first() {
        assertThatThrownBy(() -> assertThat(recording).window("io").audit().hasNoEvent("socket.connect"))
                .isExactlyInstanceOf(AssertionError.class)
                .hasMessage("Expected no audit event 'socket.connect' in window 'io', but there was 1:\n"
                        + "  1  socket.connect (first at 12.3 ms, thread 4243)");
    }

    @Test
    void hasNoEvent_should_fail_on_every_event_a_glob_matches_busiest_first() {
        assertThatThrownBy(() -> assertThat(recording).window("io").audit().hasNoEvent("socket.*"))
                .hasMessage("Expected no audit event 'socket.*' in window 'io', but there were 4:\n"
                        + "  2  socket.__new__\n"
                        + "  1  socket.bind\n"
                        + "  1  socket.connect (first at 12.3 ms, thread 4243)");
        assertThatThrownBy(() -> assertThat(recording).window("io").audit().hasNoEvent("open"))
                .hasMessage("Expected no audit event 'open' in window 'io', but there were 3:\n"
                        + "  3  open (first at 2.5 ms, thread 4242)");
    }

    @Test
    void hasNoEvent_should_leave_out_stream_details_when_the_stream_lost_events() {
        Recording lossy = recording().window("io", io()).losses(losses(9, 0, 0, 0, 0, 0, 0, 0, 0)).build();
        assertThatThrownBy(() -> assertThat(lossy).window("io").audit().hasNoEvent("subprocess.Popen"))
                .isExactlyInstanceOf(AssertionError.class)
                .hasMessage("Expected no audit event 'subprocess.Popen' in window 'io', but there was 1:\n  1  subprocess.Popen");
    }

    @Test
    void hasNoEvent_should_be_inconclusive_when_audit_counts_found_no_room_and_nothing_matched() {
        Recording full = recording().window("io", io()).losses(losses(0, 0, 2, 0, 0, 0, 0, 0, 0)).build();
        assertThatThrownBy(() -> assertThat(full).window("io").audit().hasNoEvent("ftplib.*"))
                .isExactlyInstanceOf(InconclusiveBudgetError.class)
                .hasMessage("Expected no audit event 'ftplib.*' in window 'io', but 2 audit events found no room in the"
                        + " kernel's audit map, so 'ftplib.*' may have fired unseen.");
        // What was counted did happen: a match still fails.
        assertThatThrownBy(() -> assertThat(full).window("io").audit().hasNoEvent("socket.bind"))
                .isExactlyInstanceOf(AssertionError.class)
                .hasMessageStartingWith("Expected no audit event 'socket.bind' in window 'io', but there was 1:");
    }

    @Test
    void hasNoEvent_should_be_inconclusive_on_a_CPython_without_the_audit_probe() {
        Recording none = recording().missingProbe("audit").build();
        assertThatThrownBy(() -> assertThat(none).audit().hasNoEvent("open"))
                .isExactlyInstanceOf(InconclusiveBudgetError.class)
                .hasMessage("Expected no audit event 'open', but CPython 3.11.2 has no audit probe, so audit events cannot be counted.");
    }

    @Test
    void hasNoEvent_should_reject_what_is_not_an_event_name_or_glob() {
        assertThatThrownBy(() -> assertThat(recording).audit().hasNoEvent(null))
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessage("An audit event name must not be null or empty, e.g. 'socket.connect' or 'socket.*'.");
        assertThatThrownBy(() -> assertThat(recording).audit().hasNoEvent(""))
                .isExactlyInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> assertThat(recording).audit().hasNoEvent("socket connect"))
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessage("Malformed audit event pattern 'socket connect': event names have no spaces, e.g. 'socket.connect' or 'socket.*'.");
        assertThatThrownBy(() -> assertThat(recording).audit().hasNoEvent("socket.[cb]*"))
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessage("Malformed audit event pattern 'socket.[cb]*': only the wildcards '*' and '?' are supported.");
    }
}

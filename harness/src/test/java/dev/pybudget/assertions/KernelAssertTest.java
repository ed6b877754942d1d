package dev.pybudget.assertions;

import static dev.pybudget.assertions.PyBudgetAssertions.assertThat;
import static dev.pybudget.assertions.TestRecordings.recording;
import static dev.pybudget.assertions.TestRecordings.sections;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pybudget.recording.KernelStats;
import dev.pybudget.recording.Recording;
import dev.pybudget.recording.SyscallCount;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class KernelAssertTest {

    /** A request that stats files, faults a page in from disk and sleeps. */
    private static final KernelStats REQUEST = new KernelStats(3_800_000, 8_500_000, 7, 3, 2, 64, 1, 81, 0,
            List.of(new SyscallCount("getppid", 50), new SyscallCount("newfstatat", 20), new SyscallCount("futex", 7),
                    new SyscallCount("clock_gettime", 2), new SyscallCount("getrusage", 2)));
    private static final String EVIDENCE = "Kernel: off-CPU 12.300 ms (runnable 3.800 ms, blocked 8.500 ms, 7 intervals);"
            + " context switches: 3 voluntary, 2 involuntary; page faults: 64 minor, 1 major\n"
            + "  syscalls: 81 (getppid 50, newfstatat 20, futex 7, clock_gettime 2, getrusage 2)";

    private final Recording recording = recording()
            .whole(sections().kernel(REQUEST.plus(new KernelStats(0, 0, 0, 0, 0, 100, 0, 10, 0,
                    List.of(new SyscallCount("openat", 10))))))
            .window("request", sections().kernel(REQUEST))
            .window("untraced", sections())
            .build();

    @Test
    void hasSyscallsAtMost_by_name_should_pass_at_the_budget() {
        assertThat(recording).window("request").kernel().hasSyscallsAtMost("newfstatat", 20).hasSyscallsAtMost("openat", 0);
    }

    @Test
    void hasSyscallsAtMost_by_name_should_fail_with_the_top_syscalls() {
        assertThatThrownBy(() -> assertThat(recording).window("request").kernel().hasSyscallsAtMost("newfstatat", 10))
                .isExactlyInstanceOf(AssertionError.class)
                .hasMessage("Expected at most 10 newfstatat syscalls in window 'request', but there were 20:\n" + EVIDENCE);
    }

    @Test
    void hasSyscallsAtMost_by_name_should_fail_on_the_whole_run() {
        assertThatThrownBy(() -> assertThat(recording).kernel().hasSyscallsAtMost("openat", 0))
                .hasMessageStartingWith("Expected no openat syscalls, but there were 10:\n");
    }

    @Test
    void hasSyscallsAtMost_should_reject_a_name_the_architecture_does_not_have() {
        assertThatThrownBy(() -> assertThat(recording).kernel().hasSyscallsAtMost("open_at", 1))
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessage("No syscall is named 'open_at' on this architecture (e.g. openat, newfstatat, read; see"
                        + " /usr/include/asm/unistd_64.h).");
    }

    @Test
    void hasSyscallsAtMost_should_be_inconclusive_when_syscalls_could_not_be_named() {
        Recording full = recording().window("request", sections().kernel(new KernelStats(0, 0, 0, 0, 0, 0, 0, 12, 2,
                List.of(new SyscallCount("read", 10))))).build();
        assertThatThrownBy(() -> assertThat(full).window("request").kernel().hasSyscallsAtMost("openat", 1))
                .isExactlyInstanceOf(InconclusiveBudgetError.class)
                .hasMessage("Expected at most 1 openat syscall in window 'request', but 2 syscalls had no room in the kernel's"
                        + " map to be counted by name, so some of them may have been openat.");
        assertThatThrownBy(() -> assertThat(full).window("request").kernel().hasSyscallsAtMost("read", 9))
                .isExactlyInstanceOf(AssertionError.class);
    }

    @Test
    void hasSyscallsAtMost_in_all_should_pass_and_fail_on_the_total() {
        assertThat(recording).window("request").kernel().hasSyscallsAtMost(81);
        assertThatThrownBy(() -> assertThat(recording).window("request").kernel().hasSyscallsAtMost(80))
                .hasMessage("Expected at most 80 syscalls in window 'request', but there were 81:\n" + EVIDENCE);
    }

    @Test
    void hasNoMajorFaults_should_pass_without_one() {
        assertThat(recording().window("request", sections().kernel(KernelStats.NOTHING)).build())
                .window("request").kernel().hasNoMajorFaults();
    }

    @Test
    void hasNoMajorFaults_should_fail_with_the_faults() {
        assertThatThrownBy(() -> assertThat(recording).window("request").kernel().hasNoMajorFaults())
                .hasMessage("Expected no major page faults in window 'request', but there was 1:\n" + EVIDENCE);
    }

    @Test
    void hasMinorFaultsAtMost_should_pass_and_fail() {
        assertThat(recording).window("request").kernel().hasMinorFaultsAtMost(64);
        assertThatThrownBy(() -> assertThat(recording).window("request").kernel().hasMinorFaultsAtMost(63))
                .hasMessage("Expected at most 63 minor page faults in window 'request', but there were 64:\n" + EVIDENCE);
    }

    @Test
    void hasOffCpuBelow_should_pass_above_the_total() {
        assertThat(recording).window("request").kernel().hasOffCpuBelow(Duration.ofMillis(13));
    }

    @Test
    void hasOffCpuBelow_should_fail_with_the_runnable_and_blocked_split() {
        assertThatThrownBy(() -> assertThat(recording).window("request").kernel().hasOffCpuBelow(Duration.ofMillis(5)))
                .hasMessage("Expected less than 5.0 ms off-CPU in window 'request', but it was 12.3 ms (runnable 3.8 ms,"
                        + " blocked 8.5 ms):\n" + EVIDENCE);
    }

    @Test
    void hasContextSwitchesAtMost_should_pass_and_fail_on_both_kinds_together() {
        assertThat(recording).window("request").kernel().hasContextSwitchesAtMost(5);
        assertThatThrownBy(() -> assertThat(recording).window("request").kernel().hasContextSwitchesAtMost(4))
                .hasMessage("Expected at most 4 context switches in window 'request', but there were 5:\n" + EVIDENCE);
    }

    @Test
    void should_be_inconclusive_when_the_kernel_context_was_not_recorded() {
        assertThatThrownBy(() -> assertThat(recording).window("untraced").kernel().hasNoMajorFaults())
                .isExactlyInstanceOf(InconclusiveBudgetError.class)
                .hasMessage("Expected no major page faults in window 'untraced', but the kernel context was not recorded (turn"
                        + " it on with withKernelContext(true) on the workload or its TraceOptions; if it was on, the kernel"
                        + " had not yet seen the workload run), so there is nothing to compare.");
    }

    @Test
    void should_fail_for_a_window_that_is_not_there() {
        assertThatThrownBy(() -> assertThat(recording).window("checkout").kernel().hasNoMajorFaults())
                .isExactlyInstanceOf(AssertionError.class).hasMessage("Expected a window named 'checkout', but the recording has"
                        + " none by that name; its windows are 'request', 'untraced'.");
    }

    @Test
    void should_collect_every_kernel_failure_softly() {
        PyBudgetSoftAssertions softly = new PyBudgetSoftAssertions();
        softly.assertThat(recording).window("request").kernel().hasNoMajorFaults().hasContextSwitchesAtMost(4);
        softly.assertThat(recording).kernel().hasSyscallsAtMost("openat", 0);
        org.assertj.core.api.Assertions.assertThat(softly.errorsCollected()).extracting(Throwable::getMessage)
                .extracting(m -> m.substring(0, m.indexOf(':'))).containsExactly(
                        "Expected no major page faults in window 'request', but there was 1",
                        "Expected at most 4 context switches in window 'request', but there were 5",
                        "Expected no openat syscalls, but there were 10");
    }

    @Test
    void hasOffCpuBelow_should_be_inconclusive_when_a_switch_was_not_delivered_and_still_fail_above_the_limit() {
        Recording unmatched = recording().window("request", sections().kernel(new KernelStats(1_000_000, 2_000_000, 3, 3, 1, 0,
                0, 0, 0, List.of(), 1))).build();
        assertThatThrownBy(() -> assertThat(unmatched).window("request").kernel().hasOffCpuBelow(Duration.ofMillis(5)))
                .isExactlyInstanceOf(InconclusiveBudgetError.class)
                .hasMessage("Expected less than 5.0 ms off-CPU in window 'request', but 1 context switch reached pybudget"
                        + " without its other half (the scheduler tracepoint did not deliver it), so the off-CPU time of"
                        + " 3.0 ms is short by as many intervals.");
        assertThatThrownBy(() -> assertThat(unmatched).window("request").kernel().hasOffCpuBelow(Duration.ofMillis(2)))
                .isExactlyInstanceOf(AssertionError.class).hasMessageContaining("; 1 switches not delivered by the scheduler"
                        + " tracepoint");
    }
}

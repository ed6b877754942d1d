package dev.pybudget.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pybudget.recording.AuditCount;
import dev.pybudget.recording.GcStats;
import dev.pybudget.recording.Losses;
import dev.pybudget.recording.PauseStats;
import dev.pybudget.recording.PythonInfo;
import dev.pybudget.recording.Recording;
import dev.pybudget.recording.Sections;
import dev.pybudget.recording.Window;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** record() returns the window it opened, also when the name repeats and the process did nothing meanwhile. */
class TracedWorkloadRecordTest {

    static Sections sections(long audits) {
        return new Sections(new GcStats(List.of(1L, 0L, 0L), 5, PauseStats.fromHistogram(100, 100,
                histogram())), 0, List.of(), List.of(), audits == 0 ? List.of() : List.of(new AuditCount("open", audits)),
                List.of());
    }

    static List<Long> histogram() {
        List<Long> h = new java.util.ArrayList<>(Collections.nCopies(64, 0L));
        h.set(6, 1L);
        return h;
    }

    static Recording reading(long wallNanos, long windowAudits) {
        return new Recording(new PythonInfo("/usr/bin/python3.11", "3.11.2", 7), List.of("audit"), List.of(), wallNanos,
                sections(3), 0, Losses.NONE, List.of(new Window("w", sections(windowAudits))), Optional.empty());
    }

    /** A workload whose readings are given in advance; the window "w" already exists in the first. */
    static final class Canned implements TracedWorkload {
        final Deque<Recording> readings = new ArrayDeque<>();

        @Override public void start() { }
        @Override public void stop() { }
        @Override public Recording snapshot() { return readings.pop(); }
        @Override public Recording awaitExit(Duration timeout) { return readings.pop(); }
        @Override public WindowHandle openWindow(String name) {
            return new WindowHandle() {
                @Override public String name() { return name; }
                @Override public void close() { }
            };
        }
    }

    @Test
    void should_return_the_window_empty_when_a_repeated_name_saw_nothing() {
        Canned idle = new Canned();
        idle.readings.add(reading(1_000, 2));
        idle.readings.add(reading(2_000, 2)); // nothing happened while the window was open

        Recording r = idle.record("w", () -> { });

        Sections w = r.window("w").orElseThrow().sections();
        assertThat(w.gc().totalCollections()).isZero();
        assertThat(w.audit()).isEmpty();
        assertThat(w.importCount()).isZero();
        // It reads like any other window: since() over it works.
        assertThat(reading(3_000, 3).since(r).window("w")).isPresent();
    }

    @Test
    void should_return_what_the_window_counted_in_between() {
        Canned busy = new Canned();
        busy.readings.add(reading(1_000, 2));
        busy.readings.add(reading(2_000, 5));

        Recording r = busy.record("w", () -> { });

        assertThat(r.window("w").orElseThrow().sections().auditCount("open")).isEqualTo(3);
        assertThat(r.windows()).extracting(Window::name).containsExactly("w");
    }
}

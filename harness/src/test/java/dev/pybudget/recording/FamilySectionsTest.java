package dev.pybudget.recording;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The shared machinery handles each family through its section: adding slots, since(), and which windows did anything. */
class FamilySectionsTest {

    static final GcStats NO_GC = GcStats.NOTHING;

    static KernelStats kernel(long syscalls) {
        return new KernelStats(0, 0, 0, 0, 0, 0, 0, syscalls, 0, List.of(new SyscallCount("getppid", syscalls)));
    }

    static Sections sections(long imports, List<ImportNode> tree, List<AuditEvent> events, Optional<KernelStats> k) {
        return new Sections(NO_GC, imports, tree, List.of(), List.of(), events,
                k.<Map<String, Section<?>>>map(s -> Map.of(KernelStats.FAMILY, s)).orElse(Map.of()));
    }

    static Recording recording(long wallNanos, Sections whole, Sections window) {
        return new Recording(new PythonInfo("/usr/bin/python3.11", "3.11.2", 42), List.of(), List.of(), wallNanos, whole, 0,
                Losses.NONE, List.of(new Window("w", window)), Optional.empty(), Optional.empty(), Optional.empty());
    }

    @Test
    void should_subtract_every_family_and_keep_what_the_stream_held_since() {
        ImportNode early = new ImportNode("early", true, 100, 10, 1, List.of());
        ImportNode late = new ImportNode("late", true, 600, 10, 1, List.of());
        Sections before = sections(1, List.of(early), List.of(new AuditEvent("open", 200, 1)), Optional.of(kernel(10)));
        Sections after = sections(2, List.of(early, late), List.of(new AuditEvent("open", 200, 1),
                new AuditEvent("open", 700, 1)), Optional.of(kernel(25)));

        Recording since = recording(1_000, after, after).since(recording(500, before, before));

        assertThat(since.whole().importCount()).isEqualTo(1);
        assertThat(since.whole().imports()).containsExactly(late);
        assertThat(since.whole().auditEvents()).containsExactly(new AuditEvent("open", 700, 1));
        assertThat(since.whole().kernel()).contains(kernel(15));
        assertThat(since.whole().families().keySet()).containsExactly("gc", "imports", "calls", "audit", "kernel");
    }

    @Test
    void should_keep_a_window_active_when_only_a_family_such_as_the_kernel_context_counted() {
        Sections quiet = sections(0, List.of(), List.of(), Optional.of(kernel(10)));
        Sections syscalls = sections(0, List.of(), List.of(), Optional.of(kernel(11)));

        assertThat(recording(1_000, quiet, syscalls).since(recording(500, quiet, quiet)).windows()).hasSize(1);
        assertThat(recording(1_000, quiet, quiet).since(recording(500, quiet, quiet)).windows()).isEmpty();
    }

    @Test
    void should_add_two_slots_whose_pause_histograms_differ_in_length() {
        GcStats a = new GcStats(List.of(1L, 0L, 0L), 5, PauseStats.fromHistogram(3, 3, List.of(0L, 1L)));
        GcStats b = new GcStats(List.of(0L, 0L, 1L), 7, PauseStats.fromHistogram(0, 0, List.of()));

        GcStats sum = a.plus(b);

        assertThat(sum.collections()).containsExactly(1L, 0L, 1L);
        assertThat(sum.collected()).isEqualTo(12);
        assertThat(sum.pauseNanos().log2Histogram()).containsExactly(0L, 1L);
        assertThat(sum.minus(b)).isEqualTo(a);
    }

    @Test
    void should_name_each_family_section_and_have_none_for_one_not_recorded() {
        Sections s = sections(0, List.of(), List.of(), Optional.empty());

        assertThat(s.kernel()).isEmpty();
        assertThat(s.withKernel(Optional.of(kernel(1))).section(KernelStats.FAMILY, KernelStats.class)).contains(kernel(1));
        assertThat(s.withKernel(Optional.of(kernel(1))).withKernel(Optional.empty())).isEqualTo(s);
    }
}

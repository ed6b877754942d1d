package dev.pybudget.recording;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Probe hits from the exact counts, and the cost sentence the reports print. */
class ProbeCostTest {

    static final ProbeRates RATES = new ProbeRates("test machine", Map.of(ProbeCost.GC, 1000.0, ProbeCost.AUDIT, 1200.0,
            ProbeCost.IMPORTS, 2000.0, ProbeCost.CALLS, 1500.0, ProbeCost.SYSCALLS, 250.0), "fixed for the test");

    static Sections sections(List<Long> collections, long imports, List<CallCount> calls, List<AuditCount> audit,
                             Optional<KernelStats> kernel) {
        return new Sections(new GcStats(collections, 0, PauseStats.fromHistogram(0, 0, List.of())), imports, List.of(), calls,
                audit, List.of(), kernel);
    }

    static Recording recording(List<String> probes, Sections whole, List<Window> windows) {
        return new Recording(new PythonInfo("/usr/bin/python3.11", "3.11.2", 42), probes, List.of(), 10_000_000, whole, 0,
                Losses.NONE, windows, Optional.of(0), Optional.empty(), Optional.empty());
    }

    static final List<String> BASE = List.of("audit", "gc__start", "gc__done", "import__find__load__start",
            "import__find__load__done");

    @Test
    void should_count_two_hits_a_collection_and_an_import_one_an_audit_event_and_price_them() {
        Sections s = sections(List.of(3L, 1L, 0L), 5, List.of(), List.of(new AuditCount("open", 6), new AuditCount("import", 1)),
                Optional.empty());
        ProbeCost cost = ProbeCost.of(recording(BASE, s, List.of()), Optional.of(RATES));

        assertThat(cost.hits()).containsExactly(Map.entry("gc", 8L), Map.entry("imports", 10L), Map.entry("audit", 7L));
        assertThat(cost.totalHits()).isEqualTo(25);
        assertThat(cost.nanos().getAsDouble()).isEqualTo(8 * 1000 + 10 * 2000 + 7 * 1200.0);
        assertThat(cost.percentOfWall().getAsDouble()).isEqualTo(100 * 36_400 / 10_000_000.0);
        assertThat(cost.describe("run")).isEqualTo("probes: 25 hits, about 36.4 µs of the workload's CPU (0.36% of the run's wall"
                + " time)");
    }

    @Test
    void should_say_at_least_when_the_call_probe_fires_for_functions_it_does_not_count() {
        List<String> probes = new java.util.ArrayList<>(BASE);
        probes.add("function__return");
        Sections s = sections(List.of(0L, 0L, 0L), 0, List.of(new CallCount("/app.py", "f", 1000)), List.of(), Optional.empty());
        Window w = new Window("work", s, 0, List.of(new WindowSpan(7, 0, 500_000, false), new WindowSpan(7, 900_000, 500_000,
                false)));
        ProbeCost cost = ProbeCost.of(recording(probes, s, List.of(w)), w, Optional.of(RATES));

        assertThat(cost.wallNanos()).isEqualTo(1_000_000);
        assertThat(cost.describe("window")).isEqualTo("probes: at least 1,000 hits, about 1.5 ms or more of the workload's CPU"
                + " (150% of the window's wall time); returns of functions the call pattern does not name hit the call probe"
                + " too, uncounted");
    }

    @Test
    void should_not_estimate_without_rates_and_leave_out_uncalibrated_kernel_switches() {
        KernelStats k = new KernelStats(0, 0, 0, 3, 2, 10, 0, 100, 0, List.of());
        Sections s = sections(List.of(1L, 0L, 0L), 0, List.of(), List.of(), Optional.of(k));
        Recording r = recording(BASE, s, List.of());

        assertThat(ProbeCost.of(r, Optional.empty()).describe("run")).isEqualTo("probes: 117 hits, cost not estimated (no"
                + " calibration on this machine for gc, syscalls, contextSwitches, pageFaults)");
        ProbeCost priced = ProbeCost.of(r, Optional.of(RATES));
        assertThat(priced.hits()).containsEntry("syscalls", 100L).containsEntry("contextSwitches", 5L).containsEntry("pageFaults", 10L);
        assertThat(priced.describe("run")).isEqualTo("probes: 117 hits, about 27.0 µs of the workload's CPU (0.27% of the run's"
                + " wall time); not counted in it: contextSwitches, pageFaults (not calibrated)");
    }
}

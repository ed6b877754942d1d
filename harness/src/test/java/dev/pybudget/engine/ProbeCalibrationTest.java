package dev.pybudget.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.pybudget.recording.ProbeCost;
import dev.pybudget.recording.ProbeRates;
import dev.pybudget.support.Pythons;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The per-hit rates the reports price probe hits with. What can be asserted honestly on a shared machine: each is
 * positive and in the range a uprobe costs here (0.05-20 µs a hit; the benchmark's per-hit rows give 1.1-2.7 µs for
 * gc, audit, calls and imports, sys_enter 0.2-0.3 µs), and two calibrations in a row agree within a factor of 3
 * (measured here in twenty calibrations: gc 0.76-1.23 µs, audit 0.99-1.54, calls 1.06-1.46, imports 1.05-2.31,
 * syscalls 0.21-0.34; two in a row at most 2.2x apart, imports).
 */
class ProbeCalibrationTest {

    @TempDir
    Path home;

    @Test
    void should_measure_positive_bounded_rates_that_a_fresh_calibration_repeats_within_a_factor_of_three() throws Exception {
        ProbeRates first = ProbeCalibration.measure(Pythons.debian(), ProbeCalibration.REPETITIONS);
        ProbeRates second = ProbeCalibration.measure(Pythons.debian(), ProbeCalibration.REPETITIONS);

        for (String kind : List.of(ProbeCost.GC, ProbeCost.AUDIT, ProbeCost.CALLS, ProbeCost.IMPORTS)) {
            assertThat(first.nanosPerHit(kind)).as(kind).hasValueSatisfying(ns -> assertThat(ns).isBetween(300.0, 20_000.0));
            double ratio = first.nanosPerHit(kind).orElseThrow() / second.nanosPerHit(kind).orElseThrow();
            assertThat(ratio).as(kind + ": " + first + " then " + second).isBetween(1 / 3.0, 3.0);
        }
        assertThat(first.nanosPerHit(ProbeCost.SYSCALLS)).hasValueSatisfying(ns -> assertThat(ns).isBetween(20.0, 5_000.0));
        assertThat(first.machine()).isEqualTo(ProbeCalibration.machine()).contains(" / ");
    }

    @Test
    void should_keep_the_rates_per_machine_in_the_cache_file() throws Exception {
        String before = System.getProperty("user.home");
        System.setProperty("user.home", home.toString());
        try {
            assertThat(ProbeCalibration.cacheFile()).isEqualTo(home.resolve(".cache/pybudget/probe-cost.properties"));
            assertThat(ProbeCalibration.cached()).isEmpty();
            ProbeCalibration.store(new ProbeRates("another kernel / another CPU", Map.of("gc", 99.0), "elsewhere"));
            assertThat(ProbeCalibration.cached()).as("another machine's rates only").isEmpty();
            ProbeRates rates = new ProbeRates(ProbeCalibration.machine(), Map.of("gc", 1234.5, "audit", 1000.0), "by hand");
            ProbeCalibration.store(rates);
            ProbeRates read = ProbeCalibration.cached().orElseThrow();
            assertThat(read.nanosPerHit(ProbeCost.GC).orElseThrow()).isCloseTo(1234.5, within(1e-9));
            assertThat(read.nanosPerHit()).containsOnlyKeys("gc", "audit");
            assertThat(read.how()).isEqualTo("by hand");

            java.nio.file.Files.writeString(ProbeCalibration.cacheFile(), "\\uZZZZ"); // not a properties file
            assertThat(ProbeCalibration.cached()).as("an unreadable cache: measured again").isEmpty();
        } finally {
            System.setProperty("user.home", before);
        }
    }
}

package dev.pybudget.assertions;

import static dev.pybudget.assertions.PyBudgetAssertions.assertThat;
import static dev.pybudget.assertions.TestRecordings.recording;
import static dev.pybudget.assertions.TestRecordings.sections;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pybudget.recording.GilStats;
import dev.pybudget.recording.PauseStats;
import dev.pybudget.recording.Recording;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class GilAssertTest {

    /** A histogram of 40 log2 buckets with {@code n} in bucket {@code b}, pairs of (b, n). */
    static List<Long> histogram(int... bucketAndCount) {
        List<Long> h = new ArrayList<>(Collections.nCopies(40, 0L));
        for (int i = 0; i < bucketAndCount.length; i += 2) {
            h.set(bucketAndCount[i], (long) bucketAndCount[i + 1]);
        }
        return h;
    }

    /** A spinning thread's window: 1,000 uncontended acquisitions of about 1 us, and 100 waits of 4-8 ms, the longest 9 ms. */
    private static final GilStats SPIN = new GilStats(
            PauseStats.fromHistogram(9_000_000, 701_000_000, histogram(10, 1000, 22, 99, 23, 1)),
            PauseStats.fromHistogram(9_000_000, 700_000_000, histogram(22, 99, 23, 1)));
    /** One thread: acquisitions after its blocking calls only, never a wait. */
    private static final GilStats ALONE = new GilStats(PauseStats.fromHistogram(3_000, 900_000, histogram(10, 800, 11, 3)),
            PauseStats.fromHistogram(0, 0, histogram()));
    private static final String EVIDENCE = "  GIL: 1100 waits (p99 8.389 ms, max 9.000 ms, total 701.000 ms), 100 contended"
            + " (p50 8.389 ms, p99 8.389 ms, max 9.000 ms, total 700.000 ms)\n"
            + "  GIL wait histogram:\n"
            + "    [4.2 ms, 8.4 ms)  99\n"
            + "    [8.4 ms, 16.8 ms)  1";

    private final Recording recording = recording()
            .whole(sections().gil(SPIN.plus(ALONE)))
            .window("spin", sections().gil(SPIN))
            .window("alone", sections().gil(ALONE))
            .window("untraced", sections())
            .build();

    @Test
    void hasWaitsAtMost_should_pass_at_the_budget() {
        assertThat(recording).window("spin").gil().hasWaitsAtMost(100);
        assertThat(recording).window("alone").gil().hasWaitsAtMost(0);
    }

    @Test
    void hasWaitsAtMost_should_fail_with_the_histogram() {
        assertThatThrownBy(() -> assertThat(recording).window("spin").gil().hasWaitsAtMost(10))
                .isExactlyInstanceOf(AssertionError.class)
                .hasMessage("Expected at most 10 GIL waits in window 'spin', but there were 100:\n" + EVIDENCE);
    }

    @Test
    void hasMaxWaitBelow_should_pass_below_the_longest() {
        assertThat(recording).window("spin").gil().hasMaxWaitBelow(Duration.ofMillis(10));
        assertThat(recording).window("alone").gil().hasMaxWaitBelow(Duration.ofNanos(1));
    }

    @Test
    void hasMaxWaitBelow_should_fail_with_the_longest() {
        assertThatThrownBy(() -> assertThat(recording).window("spin").gil().hasMaxWaitBelow(Duration.ofMillis(5)))
                .isExactlyInstanceOf(AssertionError.class)
                .hasMessage("Expected no GIL wait of 5.0 ms or more in window 'spin', but the longest took 9.0 ms:\n" + EVIDENCE);
        assertThatThrownBy(() -> assertThat(recording).gil().hasMaxWaitBelow(Duration.ofMillis(5)))
                .hasMessageStartingWith("Expected no GIL wait of 5.0 ms or more, but the longest took 9.0 ms:\n  GIL: 1903 waits");
    }

    @Test
    void hasP99WaitBelow_should_pass_when_its_whole_bucket_is_below() {
        assertThat(recording).window("spin").gil().hasP99WaitBelow(Duration.ofMillis(10));
    }

    @Test
    void hasP99WaitBelow_should_fail_when_its_whole_bucket_is_above() {
        assertThatThrownBy(() -> assertThat(recording).window("spin").gil().hasP99WaitBelow(Duration.ofMillis(2)))
                .isExactlyInstanceOf(AssertionError.class)
                .hasMessage("Expected a p99 GIL wait below 2.0 ms in window 'spin', but it was at least 4.2 ms (its histogram"
                        + " bucket is [4.2 ms, 8.4 ms)):\n" + EVIDENCE);
    }

    @Test
    void hasP99WaitBelow_should_be_inconclusive_when_the_limit_is_inside_its_bucket() {
        assertThatThrownBy(() -> assertThat(recording).window("spin").gil().hasP99WaitBelow(Duration.ofMillis(6)))
                .isExactlyInstanceOf(InconclusiveBudgetError.class)
                .hasMessage("Expected a p99 GIL wait below 6.0 ms in window 'spin', but the histogram of GIL waits only tells"
                        + " that the p99 lies between 4.2 ms and 8.4 ms (its log2 bucket, capped by the longest wait), which"
                        + " holds 6.0 ms, so it cannot be compared; the longest wait, which is exact, took 9.0 ms.");
    }

    @Test
    void should_be_inconclusive_where_gil_waits_were_not_recorded() {
        assertThatThrownBy(() -> assertThat(recording).window("untraced").gil().hasWaitsAtMost(0))
                .isExactlyInstanceOf(InconclusiveBudgetError.class)
                .hasMessage("Expected no GIL waits in window 'untraced', but the GIL waits were not recorded (turn them on with"
                        + " withGilWaits(true) on the workload or its TraceOptions), so there is nothing to compare.");
    }

    @Test
    void should_be_inconclusive_when_an_acquisition_went_unmeasured_and_the_rest_keep_the_budget() {
        Recording lossy = recording().window("spin", sections().gil(SPIN))
                .losses(dev.pybudget.recording.Losses.NONE.with(dev.pybudget.recording.Loss.GIL_UNPAIRED, 1)).build();
        assertThatThrownBy(() -> assertThat(lossy).window("spin").gil().hasWaitsAtMost(100))
                .isExactlyInstanceOf(InconclusiveBudgetError.class)
                .hasMessage("Expected at most 100 GIL waits in window 'spin', but 1 acquisition of the GIL in the recording"
                        + " went unmeasured (a take_gil return without its entry, or a thread that ended inside take_gil),"
                        + " and a wait among them could break it.");
        assertThatThrownBy(() -> assertThat(lossy).window("spin").gil().hasWaitsAtMost(10))
                .isExactlyInstanceOf(AssertionError.class);
    }

    @Test
    void should_reject_budgets_that_are_no_budget() {
        assertThatThrownBy(() -> assertThat(recording).gil().hasWaitsAtMost(-1)).isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessage("A budget of GIL waits must not be negative, got -1.");
        assertThatThrownBy(() -> assertThat(recording).gil().hasMaxWaitBelow(Duration.ZERO))
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessage("A time budget must be a positive duration, got PT0S.");
    }
}

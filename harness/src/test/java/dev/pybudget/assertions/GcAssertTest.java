package dev.pybudget.assertions;

import static dev.pybudget.assertions.PyBudgetAssertions.assertThat;
import static dev.pybudget.assertions.TestRecordings.losses;
import static dev.pybudget.assertions.TestRecordings.recording;
import static dev.pybudget.assertions.TestRecordings.sections;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pybudget.recording.Losses;
import dev.pybudget.recording.Recording;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class GcAssertTest {

    /**
     * One pause per collection, as the kernel records them: 30 of 150 µs and one of 200 µs (bucket [131 µs, 262 µs))
     * and one of 23.454 ms (bucket [16.8 ms, 33.6 ms)).
     */
    private static final String COLLECTIONS = "  collections: gen0 27, gen1 2, gen2 3; 457 objects collected\n"
            + "  pauses: 32, p50 <= 262 µs, p99 <= 23.5 ms, max 23.5 ms, total 28.2 ms";
    private static final String HISTOGRAM = "  pause histogram:\n    [131 µs, 262 µs)  31\n    [16.8 ms, 33.6 ms)  1";

    private static long[] requestPauses() {
        long[] pauses = new long[32];
        java.util.Arrays.fill(pauses, 150_000);
        pauses[30] = 200_000;
        pauses[31] = 23_454_000;
        return pauses;
    }

    private final Recording recording = recording()
            .whole(sections().gc(1, 0, 0).collected(500).pauses(100_000))
            .window("request", sections().gc(27, 2, 3).collected(457).pauses(requestPauses()))
            .build();

    @Test
    void hasCollectionsAtMost_per_generation_should_pass_at_the_budget() {
        assertThat(recording).window("request").gc().hasCollectionsAtMost(2, 3).hasCollectionsAtMost(0, 27);
    }

    @Test
    void hasCollectionsAtMost_per_generation_should_fail_with_every_generation_and_the_pauses() {
        assertThatThrownBy(() -> assertThat(recording).window("request").gc().hasCollectionsAtMost(2, 2))
                .isExactlyInstanceOf(AssertionError.class)
                .hasMessage("Expected at most 2 gen-2 collections in window 'request', but there were 3:\n" + COLLECTIONS);
    }

    @Test
    void hasCollectionsAtMost_should_say_collection_for_a_budget_of_one() {
        assertThatThrownBy(() -> assertThat(recording).window("request").gc().hasCollectionsAtMost(1, 1))
                .hasMessage("Expected at most 1 gen-1 collection in window 'request', but there were 2:\n" + COLLECTIONS);
    }

    @Test
    void hasNoCollections_should_pass_when_the_generation_never_ran() {
        assertThat(recording).gc().hasNoCollections(2);
    }

    @Test
    void hasNoCollections_should_fail_with_the_count() {
        assertThatThrownBy(() -> assertThat(recording).window("request").gc().hasNoCollections(2))
                .hasMessage("Expected no gen-2 collections in window 'request', but there were 3:\n" + COLLECTIONS);
    }

    @Test
    void hasCollectionsAtMost_all_generations_should_pass_at_the_sum() {
        assertThat(recording).window("request").gc().hasCollectionsAtMost(32L);
    }

    @Test
    void hasCollectionsAtMost_all_generations_should_fail_above_the_sum() {
        assertThatThrownBy(() -> assertThat(recording).window("request").gc().hasCollectionsAtMost(31L))
                .hasMessage("Expected at most 31 collections (all generations) in window 'request', but there were 32:\n"
                        + COLLECTIONS);
    }

    @Test
    void hasMaxPauseBelow_should_pass_above_the_longest_pause() {
        assertThat(recording).window("request").gc().hasMaxPauseBelow(Duration.ofMillis(24));
    }

    @Test
    void hasMaxPauseBelow_should_fail_with_the_longest_pause_and_the_histogram() {
        assertThatThrownBy(() -> assertThat(recording).window("request").gc().hasMaxPauseBelow(Duration.ofMillis(20)))
                .hasMessage("Expected no collection pause of 20.0 ms or more in window 'request', but the longest took 23.5 ms:\n"
                        + COLLECTIONS + "\n" + HISTOGRAM);
    }

    @Test
    void hasMaxPauseBelow_should_fail_when_the_longest_pause_equals_the_budget() {
        Recording exact = recording().whole(sections().gc(1, 0, 0).pauses(2_000_000)).build();
        assertThatThrownBy(() -> assertThat(exact).gc().hasMaxPauseBelow(Duration.ofMillis(2)))
                .hasMessage("Expected no collection pause of 2.0 ms or more, but the longest took 2.0 ms:\n"
                        + "  collections: gen0 1, gen1 0, gen2 0; 0 objects collected\n"
                        + "  pauses: 1, p50 <= 2.0 ms, p99 <= 2.0 ms, max 2.0 ms, total 2.0 ms\n"
                        + "  pause histogram:\n    [1.0 ms, 2.1 ms)  1");
    }

    @Test
    void hasP99PauseBelow_should_pass_when_the_whole_bucket_is_below() {
        assertThat(recording).window("request").gc().hasP99PauseBelow(Duration.ofMillis(24));
    }

    @Test
    void hasP99PauseBelow_should_fail_when_the_whole_bucket_is_at_or_above() {
        assertThatThrownBy(() -> assertThat(recording).window("request").gc().hasP99PauseBelow(Duration.ofMillis(10)))
                .isExactlyInstanceOf(AssertionError.class)
                .hasMessage("Expected a p99 collection pause below 10.0 ms in window 'request', but it was at least 16.8 ms"
                        + " (its histogram bucket is [16.8 ms, 33.6 ms)):\n" + COLLECTIONS + "\n" + HISTOGRAM);
    }

    @Test
    void hasP99PauseBelow_should_be_inconclusive_when_the_budget_falls_inside_the_bucket() {
        assertThatThrownBy(() -> assertThat(recording).window("request").gc().hasP99PauseBelow(Duration.ofMillis(20)))
                .isExactlyInstanceOf(InconclusiveBudgetError.class)
                .hasMessage("Expected a p99 collection pause below 20.0 ms in window 'request', but the pause histogram only"
                        + " tells that the p99 lies between 16.8 ms and 23.5 ms (its log2 bucket, capped by the longest pause),"
                        + " which holds 20.0 ms, so it cannot be compared; the longest pause, which is exact, took 23.5 ms.");
    }

    @Test
    void hasP99PauseBelow_should_pass_without_pauses() {
        assertThat(recording().build()).gc().hasP99PauseBelow(Duration.ofNanos(1)).hasMaxPauseBelow(Duration.ofNanos(1));
    }

    @Test
    void hasCollectedAtMost_should_pass_at_the_budget() {
        assertThat(recording).window("request").gc().hasCollectedAtMost(457);
    }

    @Test
    void hasCollectedAtMost_should_fail_with_the_collections() {
        assertThatThrownBy(() -> assertThat(recording).window("request").gc().hasCollectedAtMost(456))
                .hasMessage("Expected at most 456 objects collected in window 'request', but the collector freed 457:\n"
                        + COLLECTIONS);
    }

    @Test
    void pause_and_collected_budgets_should_be_inconclusive_when_a_collection_ended_without_its_start() {
        Recording unpaired = recording().whole(sections().gc(3, 0, 0).collected(10).pauses(1000, 1000, 1000))
                .losses(losses(0, 0, 0, 0, 0, 0, 0, 1, 0)).build();
        assertThatThrownBy(() -> assertThat(unpaired).gc().hasCollectedAtMost(100))
                .isExactlyInstanceOf(InconclusiveBudgetError.class)
                .hasMessage("Expected at most 100 objects collected, but 1 collection ended without a recorded start,"
                        + " so the count of objects collected is short.");
        assertThatThrownBy(() -> assertThat(unpaired).gc().hasMaxPauseBelow(Duration.ofSeconds(1)))
                .isExactlyInstanceOf(InconclusiveBudgetError.class)
                .hasMessage("Expected no collection pause of 1.00 s or more, but 1 collection ended without a recorded start,"
                        + " so pauses are missing from the statistics.");
        // Collections are counted at gc__start: an unpaired gc__done takes nothing from them.
        assertThat(unpaired).gc().hasCollectionsAtMost(0, 3);
    }

    @Test
    void window_budgets_should_be_inconclusive_when_window_marks_were_lost() {
        Recording marksLost = recording().window("request", sections().gc(0, 0, 0))
                .losses(losses(0, 0, 0, 2, 1, 0, 5, 0, 0)).build();
        assertThatThrownBy(() -> assertThat(marksLost).window("request").gc().hasNoCollections(2))
                .isExactlyInstanceOf(InconclusiveBudgetError.class)
                .hasMessage("Expected no gen-2 collections in window 'request', but 3 window marks could not be followed"
                        + " (2 beyond the limit of distinct window names, 1 nested too deep),"
                        + " so the counts of every window are in doubt.");
        // The whole run does not depend on window marks.
        assertThat(marksLost).gc().hasNoCollections(2);
    }

    @Test
    void an_end_of_a_name_that_has_no_window_should_not_make_window_budgets_inconclusive() {
        // "ghost" was never opened anywhere: its end closes nothing and touches no window.
        Recording ghostEnd = recording().window("request", sections()).losses(losses(0, 0, 0, 0, 0, 0, 1, 0, 0)).build();
        assertThat(ghostEnd).window("request").gc().hasNoCollections(2);
    }

    @Test
    void an_end_on_a_thread_where_the_window_was_not_open_should_make_that_window_inconclusive_and_no_other() {
        Recording crossThread = recording().window("request", sections(), 1).window("batch", sections())
                .losses(losses(0, 0, 0, 0, 0, 0, 1, 0, 0)).build();
        assertThatThrownBy(() -> assertThat(crossThread).window("request").gc().hasNoCollections(2))
                .isExactlyInstanceOf(InconclusiveBudgetError.class)
                .hasMessage("Expected no gen-2 collections in window 'request', but 1 window mark could not be followed"
                        + " (1 ending window 'request' on a thread where it was not open (an end closes a window only on the"
                        + " thread that opened it, so it stayed open there)), so the counts of every window are in doubt.");
        assertThat(crossThread).window("batch").gc().hasNoCollections(2);
        assertThat(crossThread).gc().hasNoCollections(2);
    }

    @Test
    void pause_budgets_should_be_inconclusive_when_a_collection_never_ended() {
        Recording unended = recording().window("request", sections().gc(0, 0, 2).pauses(1000)).build();
        assertThatThrownBy(() -> assertThat(unended).window("request").gc().hasMaxPauseBelow(Duration.ofSeconds(1)))
                .isExactlyInstanceOf(InconclusiveBudgetError.class)
                .hasMessage("Expected no collection pause of 1.00 s or more in window 'request', but 1 collection of 2"
                        + " started in window 'request' and never ended (the process exited or was stopped inside it, or it"
                        + " still ran when the counters were read), so pauses are missing from the statistics.");
        assertThatThrownBy(() -> assertThat(unended).window("request").gc().hasP99PauseBelow(Duration.ofSeconds(1)))
                .isExactlyInstanceOf(InconclusiveBudgetError.class);
        assertThatThrownBy(() -> assertThat(unended).window("request").gc().hasCollectedAtMost(10))
                .isExactlyInstanceOf(InconclusiveBudgetError.class);
        assertThat(unended).window("request").gc().hasCollectionsAtMost(2, 2);
    }

    @Test
    void should_be_inconclusive_when_this_CPython_has_no_gc_probe() {
        Recording noProbe = recording().missingProbe("gc__start").build();
        assertThatThrownBy(() -> assertThat(noProbe).gc().hasNoCollections(2))
                .isExactlyInstanceOf(InconclusiveBudgetError.class)
                .hasMessage("Expected no gen-2 collections, but CPython 3.11.2 has no gc__start probe, so collections cannot be counted.");
    }

    @Test
    void should_prefix_the_description_given_with_as() {
        assertThatThrownBy(() -> assertThat(recording).window("request").gc().as("checkout").hasNoCollections(2))
                .hasMessageStartingWith("[checkout] Expected no gen-2 collections in window 'request', but there were 3:");
        assertThatThrownBy(() -> assertThat(recording).as("checkout").window("request").gc().hasNoCollections(2))
                .hasMessageStartingWith("[checkout] Expected no gen-2 collections");
    }

    @Test
    void should_reject_bad_arguments() {
        assertThatThrownBy(() -> assertThat(recording).gc().hasCollectionsAtMost(3, 1))
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessage("CPython has the generations 0, 1 and 2, not 3.");
        assertThatThrownBy(() -> assertThat(recording).gc().hasNoCollections(-1))
                .isExactlyInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> assertThat(recording).gc().hasCollectionsAtMost(0, -1))
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessage("A budget of collections must not be negative, got -1.");
        assertThatThrownBy(() -> assertThat(recording).gc().hasCollectionsAtMost(-5L))
                .isExactlyInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> assertThat(recording).gc().hasCollectedAtMost(-1))
                .isExactlyInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> assertThat(recording).gc().hasMaxPauseBelow(Duration.ZERO))
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessage("A time budget must be a positive duration, got PT0S.");
        assertThatThrownBy(() -> assertThat(recording).gc().hasP99PauseBelow(Duration.ofMillis(-1)))
                .isExactlyInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> assertThat(recording).gc().hasMaxPauseBelow(null))
                .isExactlyInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void losses_of_other_kinds_should_not_touch_gc_budgets() {
        Recording other = recording().whole(sections().gc(1, 0, 0))
                .losses(new Losses(10, 3, 2, 0, 0, 0, 0, 0, 1)).build();
        assertThat(other).gc().hasCollectionsAtMost(0, 1).hasNoCollections(2);
    }
}

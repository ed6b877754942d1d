package dev.pybudget.assertions;

import static dev.pybudget.assertions.PyBudgetAssertions.assertThat;
import static dev.pybudget.assertions.TestRecordings.losses;
import static dev.pybudget.assertions.TestRecordings.recording;
import static dev.pybudget.assertions.TestRecordings.sections;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pybudget.recording.CallCount;
import dev.pybudget.recording.Recording;
import org.junit.jupiter.api.Test;

class CallsAssertTest {

    private static final String PARSER = "/src/call_parser.py";

    private final Recording recording = recording()
            .window("work", sections()
                    .call(PARSER, "tokenize", 900)
                    .call(PARSER, "parse_factor", 600)
                    .call(PARSER, "parse_term", 400)
                    .call(PARSER, "parse_expr", 300)
                    .call("/usr/lib/python3.11/re/__init__.py", "compile", 5))
            .build();

    @Test
    void hasCallsAtMost_should_pass_at_the_budget() {
        assertThat(recording).window("work").calls().hasCallsAtMost("*/call_parser.py:parse_*", 1300)
                .hasCallsAtMost("*:compile", 5);
    }

    @Test
    void hasCallsAtMost_should_pass_0_calls_in_a_window_of_a_function_that_ran_elsewhere_in_the_recording() {
        // The pattern is known to be right (it matched outside the window), so 0 calls inside is a measurement.
        Recording r = recording().whole(sections().call("/src/app.py", "render", 3))
                .window("request", sections().call("/src/app.py", "handle", 1)).build();
        assertThat(r).window("request").calls().hasCallsAtMost("*/app.py:render", 0);
        assertThatThrownBy(() -> assertThat(r).window("request").calls().hasCallsAtMost("*/app.py:rendr", 0))
                .isExactlyInstanceOf(InconclusiveBudgetError.class).hasMessageContaining("no function matching '*/app.py:rendr'");
    }

    @Test
    void hasCallsAtMost_should_be_inconclusive_when_the_pattern_matched_no_function_that_ran() {
        // After a rename the budget would read "0 calls" for ever: it checked nothing, so it is not a pass.
        assertThatThrownBy(() -> assertThat(recording).window("work").calls().hasCallsAtMost("*/app.py:*", 0))
                .isExactlyInstanceOf(InconclusiveBudgetError.class)
                .hasMessage("Expected at most 0 calls of '*/app.py:*' in window 'work', but no function matching '*/app.py:*'"
                        + " ran in the recording, so the budget checked nothing: check the pattern against the functions"
                        + " that run (a function renamed or moved?).");
    }

    @Test
    void hasCallsAtMost_should_fail_with_the_matching_functions_busiest_first() {
        assertThatThrownBy(() -> assertThat(recording).window("work").calls().hasCallsAtMost("*/call_parser.py:parse_*", 1299))
                .isExactlyInstanceOf(AssertionError.class)
                .hasMessage("Expected at most 1299 calls of '*/call_parser.py:parse_*' in window 'work', but there were 1300:\n"
                        + "  600  /src/call_parser.py:parse_factor\n"
                        + "  400  /src/call_parser.py:parse_term\n"
                        + "  300  /src/call_parser.py:parse_expr");
    }

    @Test
    void hasCallsAtMost_should_match_like_the_kernel_with_star_and_question_mark_on_each_side_of_the_last_colon() {
        assertThatThrownBy(() -> assertThat(recording).window("work").calls().hasCallsAtMost("/src/*.py:parse_?e??", 1))
                .hasMessage("Expected at most 1 call of '/src/*.py:parse_?e??' in window 'work', but there were 400:\n"
                        + "  400  /src/call_parser.py:parse_term");
        assertThatThrownBy(() -> assertThat(recording).window("work").calls().hasCallsAtMost("*:*", 2204))
                .hasMessageStartingWith("Expected at most 2204 calls of '*:*' in window 'work', but there were 2205:\n"
                        + "  900  /src/call_parser.py:tokenize\n");
        // '*' does not stop at '/', and the file side must match the whole co_filename
        assertThat(recording).window("work").calls().hasCallsAtMost("*/re/*:*", 5);
        assertThatThrownBy(() -> assertThat(recording).window("work").calls().hasCallsAtMost("call_parser.py:*", 0))
                .isExactlyInstanceOf(InconclusiveBudgetError.class).hasMessageContaining("no function matching");
    }

    @Test
    void hasCallsAtMost_should_list_ten_functions_then_how_many_more() {
        TestRecordings.SectionsBuilder many = sections();
        for (int i = 1; i <= 12; i++) {
            many.call("/a.py", "f" + i, 100 - i);
        }
        Recording r = recording().whole(many).build();
        assertThatThrownBy(() -> assertThat(r).calls().hasCallsAtMost("/a.py:*", 10))
                .hasMessage("Expected at most 10 calls of '/a.py:*', but there were 1122:\n"
                        + "  99  /a.py:f1\n  98  /a.py:f2\n  97  /a.py:f3\n  96  /a.py:f4\n  95  /a.py:f5\n"
                        + "  94  /a.py:f6\n  93  /a.py:f7\n  92  /a.py:f8\n  91  /a.py:f9\n  90  /a.py:f10\n"
                        + "  ... and 2 more functions");
    }

    @Test
    void hasCallsAtMost_should_be_inconclusive_on_a_CPython_without_the_call_probe() {
        Recording py313 = recording().python("3.13.5").missingProbe("function__return").build();
        assertThatThrownBy(() -> assertThat(py313).calls().hasCallsAtMost("*/app.py:parse", 100))
                .isExactlyInstanceOf(InconclusiveBudgetError.class)
                .hasMessage("Expected at most 100 calls of '*/app.py:parse', but CPython 3.13.5 has no function__return probe"
                        + " (CPython 3.12 removed it), so calls cannot be counted.");
    }

    @Test
    void hasCallsAtMost_should_be_inconclusive_when_the_trace_counted_no_calls() {
        Recording noPattern = recording().withoutProbe("function__return").build();
        assertThatThrownBy(() -> assertThat(noPattern).calls().hasCallsAtMost("*/app.py:parse", 100))
                .isExactlyInstanceOf(InconclusiveBudgetError.class)
                .hasMessage("Expected at most 100 calls of '*/app.py:parse', but calls were not counted: the trace had no call"
                        + " pattern (TraceOptions.withCallPattern), so there is nothing to compare.");
    }

    @Test
    void hasCallsAtMost_should_be_inconclusive_when_calls_found_no_room_in_the_map() {
        Recording full = recording().whole(sections().call("/app.py", "parse", 3)).losses(losses(0, 7, 0, 0, 0, 0, 0, 0, 0)).build();
        assertThatThrownBy(() -> assertThat(full).calls().hasCallsAtMost("*:*", 100))
                .isExactlyInstanceOf(InconclusiveBudgetError.class)
                .hasMessage("Expected at most 100 calls of '*:*', but 7 calls found no room in the kernel's call map,"
                        + " so the counts may be short.");
        Recording complex = recording().losses(losses(0, 0, 0, 0, 0, 0, 0, 0, 2)).build();
        assertThatThrownBy(() -> assertThat(complex).calls().hasCallsAtMost("*:*", 100))
                .isExactlyInstanceOf(InconclusiveBudgetError.class)
                .hasMessage("Expected at most 100 calls of '*:*', but 2 function names were too long for the kernel's"
                        + " pattern matcher to decide, so their calls may be missing.");
    }

    @Test
    void hasCallsAtMost_should_reject_malformed_patterns_and_negative_budgets() {
        for (String bad : new String[] {"parse", ":parse", "app.py:", "app[12].py:parse", ""}) {
            assertThatThrownBy(() -> assertThat(recording).calls().hasCallsAtMost(bad, 1))
                    .isExactlyInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("Malformed call pattern '" + bad + "'");
        }
        assertThatThrownBy(() -> assertThat(recording).calls().hasCallsAtMost(null, 1))
                .isExactlyInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> assertThat(recording).calls().hasCallsAtMost("*:*", -1))
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessage("A budget of calls must not be negative, got -1.");
    }

    @Test
    void busiest_should_list_the_most_called_functions_first() {
        assertThat(recording).window("work").calls().busiest(2).containsExactly(
                new CallCount(PARSER, "tokenize", 900), new CallCount(PARSER, "parse_factor", 600));
        assertThat(recording).window("work").calls().busiest(10).hasSize(5);
    }

    @Test
    void busiest_should_fail_as_a_list_assertion_described_by_its_scope() {
        assertThatThrownBy(() -> assertThat(recording).window("work").calls().busiest(2)
                .extracting(CallCount::function).doesNotContain("tokenize"))
                .hasMessageStartingWith("[the 2 busiest functions in window 'work'] \nExpecting")
                .hasMessageContaining("tokenize");
    }

    @Test
    void busiest_should_fail_at_once_when_calls_cannot_be_counted() {
        Recording py313 = recording().python("3.13.5").missingProbe("function__return").build();
        assertThatThrownBy(() -> assertThat(py313).calls().busiest(3))
                .isExactlyInstanceOf(InconclusiveBudgetError.class)
                .hasMessage("Expected the 3 busiest functions, but CPython 3.13.5 has no function__return probe"
                        + " (CPython 3.12 removed it), so calls cannot be counted.");
        assertThatThrownBy(() -> assertThat(recording).calls().busiest(0))
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessage("Ask for at least one function, got 0.");
    }
}

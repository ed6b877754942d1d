package dev.pybudget.examples;

import static dev.pybudget.assertions.PyBudgetAssertions.assertThat;

import dev.pybudget.engine.LocalWorkload;
import dev.pybudget.junit.PythonPerfTest;
import dev.pybudget.junit.Workload;
import dev.pybudget.recording.Recording;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Local mode (no Docker, root on Linux): a script run to its end, its calls and collections budgeted. */
// snippet:local
@PythonPerfTest
class ParserCallBudgetTest {

    @Workload
    LocalWorkload parser = new LocalWorkload("/usr/bin/python3.11", "call_parser.py")
            .withDirectory(Path.of("../python-fixtures/workloads"))
            .withCallPattern("*/call_parser.py:*");

    @Test
    void parsesWithinItsBudget() {
        Recording run = parser.awaitExit(Duration.ofSeconds(60));

        assertThat(run).window("work").calls()
                .hasCallsAtMost("*/call_parser.py:tokenize", 2_500)
                .hasCallsAtMost("*/call_parser.py:parse_*", 3_500);
        assertThat(run).window("work").gc().hasNoCollections(2);
        assertThat(run).window("work").imports().isEmpty();
    }
}
// end-snippet

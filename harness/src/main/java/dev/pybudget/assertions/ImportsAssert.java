package dev.pybudget.assertions;

import dev.pybudget.assertions.internal.ImportsChecks;
import java.time.Duration;

/**
 * Import budgets: none, none of some packages, how many, how long. Counts are exact (kernel);
 * the import tree in failure messages comes from the event stream.
 */
public class ImportsAssert extends AbstractBudgetAssert<ImportsAssert, RecordingScope> {

    public ImportsAssert(RecordingScope actual) {
        super(actual, ImportsAssert.class);
    }

    /** No import at all; a failure shows the import tree with durations. */
    public ImportsAssert isEmpty() {
        isNotNull();
        return check(ImportsChecks.noImports(actual));
    }

    /** No import of these modules or packages: "email" rules out "email" and "email.mime.text", not "emailx". */
    public ImportsAssert containsNone(String... moduleOrPackage) {
        isNotNull();
        return check(ImportsChecks.noImportOf(actual, moduleOrPackage));
    }

    /** At most {@code max} imports (not-found ones included: each searched the path). */
    public ImportsAssert hasCountAtMost(long max) {
        isNotNull();
        return check(ImportsChecks.importCountAtMost(actual, max));
    }

    /** The top-level imports took less than {@code limit} together (cumulative, as -X importtime shows). */
    public ImportsAssert hasTotalTimeBelow(Duration limit) {
        isNotNull();
        return check(ImportsChecks.importTimeBelow(actual, limit));
    }
}

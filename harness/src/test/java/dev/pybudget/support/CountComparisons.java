package dev.pybudget.support;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pybudget.recording.GcStats;
import dev.pybudget.recording.Sections;
import java.util.ArrayList;
import java.util.List;

/** Exact comparisons of recorded counts with the oracle's, or with another recording's. */
public final class CountComparisons {
    private CountComparisons() {}

    /** Two recorded scopes collected alike: per generation, objects, pauses. */
    public static void assertSameGc(String what, GcStats actual, GcStats expected) {
        assertThat(actual.collections()).as("%s: collections per generation", what)
                .containsExactlyElementsOf(expected.collections());
        assertThat(actual.collected()).as("%s: objects collected", what).isEqualTo(expected.collected());
        assertThat(actual.pauseNanos().count()).as("%s: pauses", what).isEqualTo(expected.pauseNanos().count());
    }

    /**
     * The kernel's collections equal the oracle's: per generation (gc__start vs gc.callbacks "start"), and
     * objects (gc__done reports collected + uncollectable, which the oracle keeps in two fields); one pause
     * per collection.
     */
    public static void assertSameGc(String what, GcStats kernel, JsonNode oracleGc) {
        List<Long> collections = new ArrayList<>();
        oracleGc.path("collections").forEach(n -> collections.add(n.asLong()));
        assertThat(collections).as("%s: the oracle's collections", what).hasSize(3);
        long objects = oracleGc.path("collected").asLong() + oracleGc.path("uncollectable").asLong();
        assertThat(kernel.collections()).as("%s: collections per generation (kernel vs oracle)", what)
                .containsExactlyElementsOf(collections);
        assertThat(kernel.collected()).as("%s: objects collected + uncollectable (kernel vs oracle)", what)
                .isEqualTo(objects);
        assertThat(kernel.pauseNanos().count()).as("%s: one pause per collection", what)
                .isEqualTo(kernel.totalCollections());
    }

    /** gc, audit per event and import count of a window equal the oracle's window. */
    public static void assertSameWindow(String name, Sections kernel, JsonNode oracle) {
        assertSameGc("window '" + name + "'", kernel.gc(), oracle.path("gc"));
        assertThat(RecordedCounts.audit(kernel)).as("window '%s': audit events, kernel vs oracle", name)
                .isEqualTo(Oracle.counts(oracle, "audit"));
        assertThat(kernel.importCount()).as("window '%s': imports, kernel vs oracle", name)
                .isEqualTo(Oracle.imports(oracle).size());
    }
}

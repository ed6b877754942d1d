package dev.pybudget.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pybudget.recording.GcStats;
import dev.pybudget.recording.Losses;
import dev.pybudget.recording.PauseStats;
import dev.pybudget.recording.PythonInfo;
import dev.pybudget.recording.Recording;
import dev.pybudget.recording.Sections;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** missingProbesReason: the one sentence a lenient trace records next to missingProbes, through JSON and back. */
class JsonReportMissingProbesTest {

    static final String SENTENCE = "/usr/bin/python3.13 (CPython 3.13.5) has no USDT probe function__return: CPython 3.12"
            + " and later removed the function__entry/function__return/line probes, so call counting needs CPython 3.11"
            + " or earlier.";

    static Recording recording(List<String> missing, Optional<String> reason) {
        Sections empty = new Sections(new GcStats(List.of(0L, 0L, 0L), 0, PauseStats.fromHistogram(0, 0, List.of())), 0, List.of(), List.of(),
                List.of(), List.of());
        return new Recording(new PythonInfo("/usr/bin/python3.13", "3.13.5", 42), List.of("gc__start"), missing, 10,
                empty, 0, Losses.NONE, List.of(), Optional.of(0), Optional.empty(), reason);
    }

    @Test
    void should_carry_the_missing_probes_sentence_through_json() {
        Recording r = recording(List.of("function__return"), Optional.of(SENTENCE));

        JsonNode json = JsonReport.toJson(r);

        assertThat(json.path("missingProbes").get(0).asText()).isEqualTo("function__return");
        assertThat(json.path("missingProbesReason").asText()).isEqualTo(SENTENCE);
        assertThat(JsonReport.fromJson(json).missingProbesReason()).contains(SENTENCE);
        assertThat(TextReport.render(r)).contains(SENTENCE);
        // since() keeps it: a test's recording is a difference of two readings.
        assertThat(r.since(r).missingProbesReason()).contains(SENTENCE);
    }

    @Test
    void should_write_null_and_read_empty_when_nothing_is_missing() {
        JsonNode json = JsonReport.toJson(recording(List.of(), Optional.empty()));

        assertThat(json.has("missingProbesReason")).isTrue();
        assertThat(json.path("missingProbesReason").isNull()).isTrue();
        assertThat(JsonReport.fromJson(json).missingProbesReason()).isEmpty();
        // A report written before the field existed reads as no reason.
        ((com.fasterxml.jackson.databind.node.ObjectNode) json).remove("missingProbesReason");
        assertThat(JsonReport.fromJson(json).missingProbesReason()).isEmpty();
    }
}

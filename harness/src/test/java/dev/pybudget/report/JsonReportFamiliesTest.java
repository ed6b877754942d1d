package dev.pybudget.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pybudget.recording.AuditCount;
import dev.pybudget.recording.AuditEvent;
import dev.pybudget.recording.CallCount;
import dev.pybudget.recording.GcStats;
import dev.pybudget.recording.ImportNode;
import dev.pybudget.recording.KernelStats;
import dev.pybudget.recording.Losses;
import dev.pybudget.recording.PauseStats;
import dev.pybudget.recording.PythonInfo;
import dev.pybudget.recording.Recording;
import dev.pybudget.recording.Sections;
import dev.pybudget.recording.SyscallCount;
import dev.pybudget.recording.Window;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Every family writes its part of a scope where schema 1 has it: the fields and their order are those of the report
 * before families were units (the expected text below is what that code wrote for this recording), and a report
 * reads back into the same recording.
 */
class JsonReportFamiliesTest {

    static Recording recording(Optional<KernelStats> kernel) {
        List<Long> histogram = new ArrayList<>(java.util.Collections.nCopies(8, 0L));
        histogram.set(3, 2L);
        GcStats gc = new GcStats(List.of(3L, 1L, 0L), 120, PauseStats.fromHistogram(14, 20, histogram));
        ImportNode json = new ImportNode("json", true, 1_000, 5_000, 7, List.of(new ImportNode("json.decoder", true, 2_000,
                1_000, 7, List.of())));
        @SuppressWarnings("deprecation")
        Sections whole = new Sections(gc, 2, List.of(json), List.of(new CallCount("app.py", "parse", 5)),
                List.of(new AuditCount("open", 3)), List.of(new AuditEvent("open", 4_000, 7)), kernel);
        @SuppressWarnings("deprecation")
        Sections window = new Sections(gc, 0, List.of(), List.of(), List.of(), List.of(), kernel);
        return new Recording(new PythonInfo("/usr/bin/python3.11", "3.11.2", 42), List.of("gc__start"), List.of(), 10_000,
                whole, 0, Losses.NONE, List.of(new Window("request", window)), Optional.of(0), Optional.empty(),
                Optional.empty());
    }

    static final KernelStats KERNEL = new KernelStats(3_000, 4_000, 2, 1, 1, 64, 0, 9, 0,
            List.of(new SyscallCount("read", 5), new SyscallCount("openat", 4)), 0);

    static final String WHOLE_SCOPE = "\"gc\":{\"collections\":[3,1,0],\"collected\":120,\"pauseNanos\":{\"count\":2,"
            + "\"max\":14,\"p50\":14,\"p99\":14,\"totalNanos\":20,\"log2Histogram\":[0,0,0,2,0,0,0,0]}},\"importCount\":2,"
            + "\"imports\":[{\"module\":\"json\",\"found\":true,\"startNanos\":1000,\"durationNanos\":5000,\"selfNanos\":4000,"
            + "\"thread\":7,\"children\":[{\"module\":\"json.decoder\",\"found\":true,\"startNanos\":2000,\"durationNanos\":1000,"
            + "\"selfNanos\":1000,\"thread\":7,\"children\":[]}]}],\"calls\":[{\"file\":\"app.py\",\"function\":\"parse\","
            + "\"count\":5}],\"audit\":[{\"event\":\"open\",\"count\":3}],\"auditEvents\":[{\"event\":\"open\",\"nanos\":4000,"
            + "\"thread\":7}],\"kernel\":";

    static final String KERNEL_OBJECT = "{\"offCpuNanos\":7000,\"offCpuRunnableNanos\":3000,\"offCpuBlockedNanos\":4000,"
            + "\"offCpuIntervals\":2,\"voluntarySwitches\":1,\"involuntarySwitches\":1,\"minorFaults\":64,\"majorFaults\":0,"
            + "\"syscalls\":9,\"unnamedSyscalls\":0,\"offCpuUnmatched\":0,\"offCpuRecovered\":0,\"syscallsByName\":[{\"name\":\"read\",\"count\":5},"
            + "{\"name\":\"openat\",\"count\":4}]}";

    @Test
    void should_write_every_family_where_schema_1_has_it() {
        String json = JsonReport.toJson(recording(Optional.of(KERNEL))).toString();

        // A family added later writes its field after these (schema 1: fields are only added).
        assertThat(json).contains("\"wallNanos\":10000," + WHOLE_SCOPE + KERNEL_OBJECT);
        assertThat(json).contains("\"windows\":[{\"name\":\"request\",\"gc\":");
        assertThat(json).contains("\"auditEvents\":[],\"kernel\":" + KERNEL_OBJECT);
    }

    @Test
    void should_write_null_for_a_family_that_was_not_recorded() {
        JsonNode json = JsonReport.toJson(recording(Optional.empty()));

        assertThat(json.toString()).contains(WHOLE_SCOPE + "null");
        assertThat(json.path("windows").get(0).path("kernel").isNull()).isTrue();
    }

    @Test
    void should_read_back_the_recording_it_wrote() {
        for (Optional<KernelStats> kernel : List.of(Optional.of(KERNEL), Optional.<KernelStats>empty())) {
            Recording r = recording(kernel);

            Recording read = JsonReport.fromJson(JsonReport.toJson(r));

            assertThat(read.whole()).isEqualTo(r.whole());
            assertThat(read.windows()).isEqualTo(r.windows());
            assertThat(JsonReport.toJson(read)).isEqualTo(JsonReport.toJson(r));
        }
    }
}

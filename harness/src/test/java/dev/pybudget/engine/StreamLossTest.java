package dev.pybudget.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pybudget.recording.Recording;
import dev.pybudget.recording.Sections;
import dev.pybudget.report.TextReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import dev.pybudget.support.Pythons;
import dev.pybudget.support.LocalRuns;

/** Streams may drop, counts may not: a ring buffer too small for the burst loses records, and says how many. */
class StreamLossTest {

    static final int BURST = 50_000;

    /** Start-up imports, a lazy import of the json package, then a burst of audit events. */
    static final String BURSTY = """
            import sys
            import json
            for i in range(%d):
                sys.audit("burst", i)
            print(json.dumps({"burst": %d}))
            """.formatted(BURST, BURST);

    private static final Pattern IMPORT_TIME = Pattern.compile("^import time:\\s+-?\\d+ \\|\\s+-?\\d+ \\| ( *)(\\S+)$",
            Pattern.MULTILINE);

    @TempDir
    Path tmp;

    @Test
    void should_count_every_record_the_ring_buffer_had_no_room_for_and_keep_the_counts_exact() throws Exception {
        Path script = Files.writeString(tmp.resolve("bursty.py"), BURSTY);
        Path err = tmp.resolve("bursty.err");
        ProcessBuilder workload = new ProcessBuilder(Pythons.debian().toString(), "-X", "importtime", script.toString())
                .directory(tmp.toFile()).redirectOutput(tmp.resolve("bursty.out").toFile()).redirectError(err.toFile());

        Recording r;
        long streamed;
        // One page: room for about twenty records, while every import and audit event is streamed.
        try (Trace trace = Tracer.start(workload, LocalRuns.options().withRingBufferBytes(4096).withStreamAudit(true))) {
            r = trace.finish();
            streamed = trace.streamedEvents();
        }
        assertThat(r.exitStatus()).contains(0);
        Sections whole = r.whole();
        long importTimeLines = IMPORT_TIME.matcher(Files.readString(err)).results().count();

        // The counts are made in the kernel: exact, whatever the stream lost.
        assertThat(whole.auditCount("burst")).isEqualTo(BURST);
        assertThat(whole.importCount()).isEqualTo(importTimeLines).isPositive();
        assertThat(r.losses().countsIncomplete()).isFalse();

        // The stream lost records, and every one is counted: nothing is missing that lostEvents does not cover.
        assertThat(r.lostEvents()).isPositive();
        assertThat(r.losses().events()).isEqualTo(r.lostEvents());
        long totalAudit = whole.audit().stream().mapToLong(a -> a.count()).sum();
        long missing = (whole.importCount() - whole.allImports().size()) + (totalAudit - whole.auditEvents().size());
        assertThat(missing).as("streamed records missing from the recording").isPositive()
                .isLessThanOrEqualTo(r.lostEvents());
        // Exactly: every import wrote two records (start, done), every audit event one; each was delivered or lost.
        assertThat(streamed + r.lostEvents()).as("records delivered + lost = records written")
                .isEqualTo(2 * whole.importCount() + totalAudit);
        assertThat(TextReport.render(r)).contains("lost events: " + r.lostEvents()
                + " (the import tree and audit stream are incomplete; exact counts are not affected)");
    }
}

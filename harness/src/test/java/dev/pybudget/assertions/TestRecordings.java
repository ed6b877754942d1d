package dev.pybudget.assertions;

import dev.pybudget.recording.AuditCount;
import dev.pybudget.recording.AuditEvent;
import dev.pybudget.recording.CallCount;
import dev.pybudget.recording.GcStats;
import dev.pybudget.recording.ImportNode;
import dev.pybudget.recording.Losses;
import dev.pybudget.recording.PauseStats;
import dev.pybudget.recording.PythonInfo;
import dev.pybudget.recording.Recording;
import dev.pybudget.recording.Sections;
import dev.pybudget.recording.Window;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** Hand-built recordings, so that exact failure messages can be pinned. */
final class TestRecordings {
    private TestRecordings() {}

    static final List<String> ALL_PROBES = List.of("audit", "gc__start", "gc__done", "import__find__load__start",
            "import__find__load__done", "function__return");

    static RecordingBuilder recording() {
        return new RecordingBuilder();
    }

    static SectionsBuilder sections() {
        return new SectionsBuilder();
    }

    static ImportNode imp(String module, double startMs, double durationMs, ImportNode... children) {
        return new ImportNode(module, true, ms(startMs), ms(durationMs), 1000, Arrays.asList(children));
    }

    static ImportNode notFound(String module, double startMs, double durationMs) {
        return new ImportNode(module, false, ms(startMs), ms(durationMs), 1000, List.of());
    }

    static ImportNode onThread(long thread, ImportNode node) {
        return new ImportNode(node.module(), node.found(), node.startNanos(), node.durationNanos(), thread,
                node.children().stream().map(c -> onThread(thread, c)).toList());
    }

    static long ms(double millis) {
        return Math.round(millis * 1_000_000);
    }

    static Losses losses(long events, long calls, long audit, long windowSlots, long windowDepth, long windowNames,
                         long windowUnbalanced, long gcUnpaired, long callPatternSteps) {
        return new Losses(events, calls, audit, windowSlots, windowDepth, windowNames, windowUnbalanced, gcUnpaired,
                callPatternSteps);
    }

    static final class RecordingBuilder {
        private String version = "3.11.2";
        private final List<String> probes = new ArrayList<>(ALL_PROBES);
        private final List<String> missing = new ArrayList<>();
        private Sections whole = sections().build();
        private final List<Window> windows = new ArrayList<>();
        private Losses losses = Losses.NONE;
        private Optional<String> callPattern;

        RecordingBuilder python(String v) {
            version = v;
            return this;
        }

        /** This CPython lacks the probe. */
        RecordingBuilder missingProbe(String probe) {
            probes.remove(probe);
            missing.add(probe);
            return this;
        }

        /** The probe was not asked for. */
        RecordingBuilder withoutProbe(String probe) {
            probes.remove(probe);
            return this;
        }

        RecordingBuilder whole(SectionsBuilder s) {
            whole = s.build();
            return this;
        }

        RecordingBuilder window(String name, SectionsBuilder s) {
            return window(name, s, 0);
        }

        /** A window with end marks that ran on a thread where it was not open. */
        RecordingBuilder window(String name, SectionsBuilder s, long unfollowedEnds) {
            windows.add(new Window(name, s.build(), unfollowedEnds));
            return this;
        }

        /** The calls the trace counted; by default every function ("*:*") when the call probe is attached. */
        RecordingBuilder callPattern(String pattern) {
            callPattern = Optional.ofNullable(pattern);
            return this;
        }

        RecordingBuilder losses(Losses l) {
            losses = l;
            return this;
        }

        Recording build() {
            return new Recording(new PythonInfo("/usr/bin/python3", version, 4242), probes, missing, ms(500), whole,
                    losses.events(), losses, windows, Optional.of(0),
                    callPattern != null ? callPattern : probes.contains("function__return") ? Optional.of("*:*") : Optional.empty(),
                    Optional.empty());
        }
    }

    static final class SectionsBuilder {
        private List<Long> collections = List.of(0L, 0L, 0L);
        private long collected;
        private long[] pauses = {};
        private final List<ImportNode> imports = new ArrayList<>();
        private Long importCount;
        private final List<CallCount> calls = new ArrayList<>();
        private final List<AuditCount> audit = new ArrayList<>();
        private final List<AuditEvent> auditEvents = new ArrayList<>();

        SectionsBuilder gc(long gen0, long gen1, long gen2) {
            collections = List.of(gen0, gen1, gen2);
            return this;
        }

        SectionsBuilder collected(long n) {
            collected = n;
            return this;
        }

        SectionsBuilder pauses(long... nanos) {
            pauses = nanos;
            return this;
        }

        SectionsBuilder imports(ImportNode... roots) {
            imports.addAll(Arrays.asList(roots));
            return this;
        }

        /** The kernel's count, when it should differ from the tree's size (lost events). */
        SectionsBuilder importCount(long n) {
            importCount = n;
            return this;
        }

        SectionsBuilder call(String file, String function, long count) {
            calls.add(new CallCount(file, function, count));
            return this;
        }

        SectionsBuilder audit(String event, long count) {
            audit.add(new AuditCount(event, count));
            return this;
        }

        SectionsBuilder auditEvent(String event, long nanos, long thread) {
            auditEvents.add(new AuditEvent(event, nanos, thread));
            return this;
        }

        private java.util.Optional<dev.pybudget.recording.KernelStats> kernel = java.util.Optional.empty();

        SectionsBuilder kernel(dev.pybudget.recording.KernelStats stats) {
            kernel = java.util.Optional.of(stats);
            return this;
        }

        private java.util.Optional<dev.pybudget.recording.GilStats> gil = java.util.Optional.empty();

        SectionsBuilder gil(dev.pybudget.recording.GilStats stats) {
            gil = java.util.Optional.of(stats);
            return this;
        }

        Sections build() {
            List<Long> histogram = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                histogram.add(0L);
            }
            long max = 0;
            long total = 0;
            for (long p : pauses) {
                int bucket = 63 - Long.numberOfLeadingZeros(p);
                histogram.set(bucket, histogram.get(bucket) + 1);
                max = Math.max(max, p);
                total += p;
            }
            long count = importCount != null ? importCount
                    : imports.stream().mapToLong(TestRecordings::size).sum();
            return new Sections(new GcStats(collections, collected, PauseStats.fromHistogram(max, total, histogram)), count,
                    imports, calls, audit, auditEvents, kernel).with(dev.pybudget.recording.GilStats.FAMILY, gil);
        }
    }

    static long size(ImportNode node) {
        return 1 + node.children().stream().mapToLong(TestRecordings::size).sum();
    }
}

package dev.pybudget.report;

import dev.pybudget.engine.ProbeFamily;
import dev.pybudget.recording.ImportStats;
import dev.pybudget.recording.Losses;
import dev.pybudget.recording.ProbeCost;
import dev.pybudget.recording.ProbeRates;
import dev.pybudget.recording.Recording;
import dev.pybudget.recording.ReportText;
import dev.pybudget.recording.Section;
import dev.pybudget.recording.Sections;
import dev.pybudget.recording.Window;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The report a person reads in a terminal: the header, losses, then each scope's families as each family writes
 * them (imports as -X importtime shows them, collections, busiest calls, audit, kernel context).
 */
public final class TextReport {
    private TextReport() {}

    public static String render(Recording r) {
        StringBuilder out = new StringBuilder();
        out.append(ReportText.format("pybudget: %s (CPython %s), pid %d, %s%s%n", r.python().executable(),
                r.python().version(), r.python().pid(), ReportText.millis(r.wallNanos()),
                ", " + r.exitDescription()));
        r.python().attachedAfterNanos().ifPresent(n -> out.append(ReportText.format(
                "attached to a running process %s after its start: what it did before is not recorded%n", ReportText.millis(n))));
        out.append("probes: ").append(String.join(" ", r.probes()));
        if (!r.missingProbes().isEmpty()) {
            out.append("; missing in this CPython: ").append(String.join(" ", r.missingProbes()));
        }
        out.append(System.lineSeparator());
        r.missingProbesReason().ifPresent(reason -> out.append(reason).append(System.lineSeparator()));
        out.append(losses(r.losses()));
        out.append(ProbeCost.of(r, ProbeRates.known()).describe("run")).append(System.lineSeparator());
        out.append(children(r));
        out.append(callPatternMatched(r));
        section(out, r, r.whole(), "");
        for (Window w : r.windows()) {
            out.append(System.lineSeparator()).append("== window '").append(w.name()).append("'");
            if (w.unfollowedEnds() > 0) {
                out.append(" (").append(w.unfollowedEnds()).append(w.unfollowedEnds() == 1 ? " end mark" : " end marks")
                        .append(" on a thread where it was not open: it stayed open where it was opened)");
            }
            out.append(System.lineSeparator());
            out.append("   ").append(ProbeCost.of(r, w, ProbeRates.known()).describe("window")).append(System.lineSeparator());
            section(out, r, w.sections(), "   ");
        }
        return out.toString();
    }

    private static String losses(Losses l) {
        StringBuilder s = new StringBuilder("lost events: " + l.events());
        if (l.events() > 0) {
            s.append(" (the import tree and audit stream are incomplete; exact counts are not affected)");
        }
        if (l.calls() > 0) {
            s.append("; call counts with no room in the map: ").append(l.calls());
        }
        if (l.audit() > 0) {
            s.append("; audit counts with no room in the map: ").append(l.audit());
        }
        if (l.windowMarksNotFollowed() + l.windowUnbalanced() > 0) {
            s.append(ReportText.format("; window marks not followed: %d over the name limit, %d nested too deep,"
                    + " %d names not a readable str, %d with no room for their thread, %d unbalanced ends", l.windowSlots(),
                    l.windowDepth(), l.windowNames(), l.windowThreads(), l.windowUnbalanced()));
        }
        if (l.unencodableNames() > 0) {
            s.append("; names CPython could not encode as UTF-8: ").append(l.unencodableNames())
                    .append(" (recorded as <not UTF-8>; CPython raises SystemError in the workload at each while the probe is"
                            + " attached: a CPython bug, seen on 3.11 and 3.13)");
        }
        return s.append(System.lineSeparator()).toString();
    }

    private static final int MATCHED_FUNCTIONS_SHOWN = 8;

    /**
     * What the call pattern caught, per file: a pattern like {@code *}{@code /server.py:*} also matches the standard
     * library's http/server.py, and this is where a person sees it.
     */
    static String callPatternMatched(Recording r) {
        if (r.callPattern().isEmpty()) {
            return "";
        }
        Map<String, List<String>> byFile = new TreeMap<>();
        r.whole().calls().forEach(c -> byFile.computeIfAbsent(c.file(), f -> new ArrayList<>()).add(c.function()));
        String nl = System.lineSeparator();
        int functions = r.callPatternMatched().size();
        StringBuilder s = new StringBuilder(ReportText.format("call pattern '%s' matched %d function%s in %d file%s%s%n",
                r.callPattern().get(), functions, functions == 1 ? "" : "s", byFile.size(), byFile.size() == 1 ? "" : "s",
                byFile.isEmpty() ? "" : ":"));
        byFile.forEach((file, names) -> {
            List<String> sorted = names.stream().distinct().sorted().toList();
            s.append("  ").append(file).append(": ")
                    .append(String.join(", ", sorted.subList(0, Math.min(MATCHED_FUNCTIONS_SHOWN, sorted.size()))));
            if (sorted.size() > MATCHED_FUNCTIONS_SHOWN) {
                s.append(" and ").append(sorted.size() - MATCHED_FUNCTIONS_SHOWN).append(" more");
            }
            s.append(nl);
        });
        return s.toString();
    }

    /** Audit events that start another process: pybudget traces only the workload's own. */
    static final List<String> CHILD_EVENTS = List.of("os.fork", "os.forkpty", "subprocess.Popen", "os.posix_spawn",
            "os.spawn", "os.system", "os.startfile");

    private static String children(Recording r) {
        List<String> seen = CHILD_EVENTS.stream().filter(e -> r.whole().auditCount(e) > 0)
                .map(e -> e + " " + r.whole().auditCount(e)).toList();
        return seen.isEmpty() ? "" : "child processes, not followed (only pid " + r.python().pid() + " is traced): "
                + String.join(", ", seen) + System.lineSeparator();
    }

    /** A family whose probe this CPython lacks was not measured: its zeros would read as a measurement. */
    private static void section(StringBuilder out, Recording r, Sections s, String indent) {
        String nl = System.lineSeparator();
        for (ProbeFamily<?> family : inReportOrder()) {
            String text = family.notMeasured(r.missingProbes()).or(() -> describe(family, s)).orElse("");
            if (!text.isEmpty()) {
                out.append(nl).append(indent).append(text.replace("\n", nl + indent)).append(nl);
            }
        }
    }

    /** The families as the JSON lists them, but the imports first: the report opens as {@code -X importtime} does. */
    private static List<ProbeFamily<?>> inReportOrder() {
        List<ProbeFamily<?>> families = new ArrayList<>(ProbeFamily.all());
        families.sort(Comparator.comparing(f -> !f.name().equals(ImportStats.FAMILY)));
        return families;
    }

    private static <S extends Section<S>> Optional<String> describe(ProbeFamily<S> family, Sections s) {
        return s.section(family.name(), family.sectionType()).map(family::describe);
    }
}

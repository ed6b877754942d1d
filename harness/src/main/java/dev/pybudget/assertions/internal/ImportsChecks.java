package dev.pybudget.assertions.internal;

import dev.pybudget.assertions.BudgetCheck;
import dev.pybudget.assertions.RecordingScope;
import dev.pybudget.assertions.error.InconclusiveBudget;
import dev.pybudget.assertions.error.ShouldHaveImportTimeBelow;
import dev.pybudget.assertions.error.ShouldHaveNoImports;
import dev.pybudget.assertions.error.ShouldNotImport;
import dev.pybudget.recording.ImportNode;
import dev.pybudget.recording.Sections;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/** The imports family's budgets: none, none of some packages, how many (the exact count), how long (the tree). */
public final class ImportsChecks {
    private ImportsChecks() {}

    /** No import at all (the kernel's exact count); the tree from the stream is the evidence. */
    public static BudgetCheck noImports(RecordingScope scope) {
        return importCountAtMost(scope, 0);
    }

    /** At most {@code max} imports (the kernel's exact count, not found ones included). */
    public static BudgetCheck importCountAtMost(RecordingScope scope, long max) {
        FamilyChecks.requireNotNegative(max, "imports");
        String budget = (max == 0 ? "no imports" : "at most " + Evidence.count(max, "import", "imports")) + scope.where();
        return FamilyChecks.decide(scope, budget, List.of(FamilyChecks.IMPORT_PROBE), "imports", () -> {
            Sections s = scope.sections();
            String measured = Evidence.count(s.importCount(), "import", "imports")
                    + (s.importCount() == 0 ? "" : " (" + Evidence.duration(Evidence.totalNanos(s.imports())) + ")");
            return s.importCount() <= max ? BudgetCheck.passed(budget, measured)
                    : BudgetCheck.failed(budget, measured, ShouldHaveNoImports.shouldHaveNoImports(budget, s.importCount(),
                            s.imports(), scope.recording().lostEvents()));
        });
    }

    /**
     * No import of these modules or packages: "email" rules out "email" and "email.mime.text", not
     * "emailx". Module names come from the stream; when events were lost and the tree holds fewer
     * imports than the kernel counted, a forbidden one may be among the missing: inconclusive.
     */
    public static BudgetCheck noImportOf(RecordingScope scope, String... modulesOrPackages) {
        if (modulesOrPackages == null || modulesOrPackages.length == 0) {
            throw new IllegalArgumentException("Name at least one module or package, e.g. 'email' or 'xml.dom'.");
        }
        List<String> names = Arrays.stream(modulesOrPackages).map(Globs::requireModuleName).toList();
        String listed = names.stream().map(n -> "'" + n + "'").collect(Collectors.joining(" or "));
        String budget = "no import of " + listed + scope.where();
        return FamilyChecks.decide(scope, budget, List.of(FamilyChecks.IMPORT_PROBE), "imports", () -> {
            Sections s = scope.sections();
            List<ImportNode> offending = new ArrayList<>();
            List<String> importedBy = new ArrayList<>();
            s.imports().forEach(root -> outermostMatches(root, "", names, offending, importedBy));
            long matched = offending.stream().mapToLong(root -> countMatching(root, names)).sum();
            if (matched > 0) {
                return BudgetCheck.failed(budget, Evidence.count(matched, "matching module", "matching modules"),
                        ShouldNotImport.shouldNotImport(budget, matched, offending, importedBy));
            }
            long inTree = s.imports().stream().mapToLong(Evidence::size).sum();
            long lost = scope.recording().lostEvents();
            if (inTree < s.importCount()) {
                // Lost events, or (without any) imports counted whose records had not been drained yet.
                String reason = lost > 0
                        ? Evidence.count(lost, "event was", "events were") + " lost from the stream and the import tree holds "
                                + inTree + " of the " + s.importCount() + " imports"
                        : "the import tree holds " + inTree + " of the " + s.importCount() + " imports the kernel counted"
                                + " (the others had not reached the stream when it was read)";
                return BudgetCheck.inconclusive(budget, (s.importCount() - inTree) + " of "
                                + Evidence.count(s.importCount(), "import", "imports") + " not in the tree",
                        InconclusiveBudget.inconclusive(budget, reason + ", so an import of " + listed
                                + " may be among the missing ones"));
            }
            return BudgetCheck.passed(budget, "none of " + Evidence.count(s.importCount(), "import", "imports") + " matched");
        });
    }

    private static void outermostMatches(ImportNode node, String parent, List<String> names, List<ImportNode> out,
                                         List<String> importedBy) {
        if (names.stream().anyMatch(n -> Globs.coversModule(n, node.module()))) {
            out.add(node);
            importedBy.add(parent);
            return;
        }
        node.children().forEach(child -> outermostMatches(child, node.module(), names, out, importedBy));
    }

    private static long countMatching(ImportNode node, List<String> names) {
        long self = names.stream().anyMatch(n -> Globs.coversModule(n, node.module())) ? 1 : 0;
        return self + node.children().stream().mapToLong(child -> countMatching(child, names)).sum();
    }

    /**
     * The imports took less than {@code limit} in all: the cumulative times of the top-level
     * imports, as {@code -X importtime} shows them. Times come from the stream: any lost event
     * makes them unreliable (a lost "done" stretches an import to the end of the recording).
     */
    public static BudgetCheck importTimeBelow(RecordingScope scope, Duration limit) {
        long limitNanos = FamilyChecks.requirePositive(limit);
        String budget = "less than " + Evidence.duration(limitNanos) + " of imports" + scope.where();
        return FamilyChecks.decide(scope, budget, List.of(FamilyChecks.IMPORT_PROBE), "imports", () -> {
            Sections s = scope.sections();
            long lost = scope.recording().lostEvents();
            if (lost > 0) {
                return BudgetCheck.inconclusive(budget, Evidence.count(lost, "event", "events") + " lost",
                        InconclusiveBudget.inconclusive(budget, Evidence.count(lost, "event was", "events were")
                                + " lost from the stream, so the import times are incomplete"));
            }
            long total = Evidence.totalNanos(s.imports());
            String measured = "imports took " + Evidence.duration(total);
            return total < limitNanos ? BudgetCheck.passed(budget, measured)
                    : BudgetCheck.failed(budget, measured,
                            ShouldHaveImportTimeBelow.shouldHaveImportTimeBelow(budget, s.importCount(), s.imports()));
        });
    }
}

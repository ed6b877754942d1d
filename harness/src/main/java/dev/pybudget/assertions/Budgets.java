package dev.pybudget.assertions;

import dev.pybudget.assertions.internal.AuditChecks;
import dev.pybudget.assertions.internal.CallsChecks;
import dev.pybudget.assertions.internal.FamilyChecks;
import dev.pybudget.assertions.internal.GcChecks;
import dev.pybudget.assertions.internal.ImportsChecks;
import java.time.Duration;
import java.util.Optional;

/**
 * Every budget as one static check.
 *
 * @deprecated the checks live with their family in {@code dev.pybudget.assertions.internal} ({@code GcChecks},
 *             {@code ImportsChecks}, {@code CallsChecks}, {@code AuditChecks}, {@code KernelChecks}; what they all
 *             decide first in {@code FamilyChecks}); use the assertions ({@link PyBudgetAssertions}) or the annotations
 */
@Deprecated
public final class Budgets {
    private Budgets() {}

    public static BudgetCheck gcCollectionsAtMost(RecordingScope scope, int generation, long max) {
        return GcChecks.gcCollectionsAtMost(scope, generation, max);
    }

    public static BudgetCheck noGcCollections(RecordingScope scope, int generation) {
        return GcChecks.noGcCollections(scope, generation);
    }

    public static BudgetCheck gcCollectionsAtMost(RecordingScope scope, long max) {
        return GcChecks.gcCollectionsAtMost(scope, max);
    }

    public static BudgetCheck gcMaxPauseBelow(RecordingScope scope, Duration limit) {
        return GcChecks.gcMaxPauseBelow(scope, limit);
    }

    public static BudgetCheck gcP99PauseBelow(RecordingScope scope, Duration limit) {
        return GcChecks.gcP99PauseBelow(scope, limit);
    }

    public static BudgetCheck gcCollectedAtMost(RecordingScope scope, long max) {
        return GcChecks.gcCollectedAtMost(scope, max);
    }

    public static BudgetCheck noImports(RecordingScope scope) {
        return ImportsChecks.noImports(scope);
    }

    public static BudgetCheck importCountAtMost(RecordingScope scope, long max) {
        return ImportsChecks.importCountAtMost(scope, max);
    }

    public static BudgetCheck noImportOf(RecordingScope scope, String... modulesOrPackages) {
        return ImportsChecks.noImportOf(scope, modulesOrPackages);
    }

    public static BudgetCheck importTimeBelow(RecordingScope scope, Duration limit) {
        return ImportsChecks.importTimeBelow(scope, limit);
    }

    public static BudgetCheck callsAtMost(RecordingScope scope, String fileFunctionGlob, long max) {
        return CallsChecks.callsAtMost(scope, fileFunctionGlob, max);
    }

    public static BudgetCheck callsCounted(RecordingScope scope, String budget) {
        return CallsChecks.callsCounted(scope, budget);
    }

    public static BudgetCheck noAuditEvent(RecordingScope scope, String nameOrGlob) {
        return AuditChecks.noAuditEvent(scope, nameOrGlob);
    }

    public static Optional<BudgetCheck> scopeTrouble(RecordingScope scope, String budget) {
        return FamilyChecks.scopeTrouble(scope, budget);
    }

    public static BudgetCheck hasWindow(RecordingScope scope) {
        return FamilyChecks.hasWindow(scope);
    }
}

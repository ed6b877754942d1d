package dev.pybudget.junit;

import dev.pybudget.assertions.BudgetCheck;
import dev.pybudget.assertions.Budgets;
import dev.pybudget.assertions.KernelBudgets;
import dev.pybudget.assertions.RecordingScope;
import dev.pybudget.assertions.Verdict;
import dev.pybudget.engine.CallPattern;
import dev.pybudget.recording.Recording;
import java.time.Duration;
import dev.pybudget.report.BudgetSummary;
import java.io.IOException;
import java.lang.reflect.AnnotatedElement;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.extension.AfterTestExecutionCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.commons.support.AnnotationSupport;
import org.opentest4j.MultipleFailuresError;

/**
 * Behind the budget annotations ({@link GcBudget}, {@link NoImports}, {@link MaxCalls}, {@link NoAudit},
 * {@link SyscallBudget}, {@link KernelBudget}):
 * after the test has run, checks each budget on what the test recorded, reports every verdict to
 * the run's budget summary, then fails the test if any budget failed or could not be decided.
 */
class BudgetExtension implements BeforeEachCallback, AfterTestExecutionCallback {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(BudgetExtension.class);

    /** A budget from an annotation, ready to check on a scope. */
    private record Budget(String window, Function<RecordingScope, BudgetCheck> check) {}

    @Override
    public void beforeEach(ExtensionContext context) {
        budgets(context); // bad values fail here, before the test drives the workload
        context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent(SummaryPublisher.class, k -> new SummaryPublisher(),
                SummaryPublisher.class);
    }

    @Override
    public void afterTestExecution(ExtensionContext context) {
        List<Budget> budgets = budgets(context);
        Map<Field, Recording> recordings = PythonPerfExtension.testRecordings(context);
        if (recordings.size() != 1) {
            throw new ExtensionConfigurationException("Budget annotations need a @PythonPerfTest class with exactly one"
                    + " @Workload field; " + context.getRequiredTestClass().getSimpleName() + " has " + recordings.size() + ".");
        }
        Recording recording = recordings.values().iterator().next();
        String test = context.getRequiredTestClass().getSimpleName() + "." + context.getRequiredTestMethod().getName();
        List<AssertionError> failures = new ArrayList<>();
        for (Budget budget : budgets) {
            RecordingScope scope = budget.window().isEmpty() ? RecordingScope.whole(recording)
                    : RecordingScope.window(recording, budget.window());
            BudgetCheck check = budget.check().apply(scope);
            BudgetSummary.ofThisRun().record(test, check);
            check.notes().forEach(note -> context.publishReportEntry("pybudget.note", note));
            if (check.verdict() != Verdict.PASSED) {
                try {
                    check.orThrow();
                } catch (AssertionError e) {
                    failures.add(e);
                }
            }
        }
        if (failures.size() == 1) {
            throw failures.get(0);
        }
        if (!failures.isEmpty()) {
            throw new MultipleFailuresError(failures.size() + " budgets of " + test + " did not pass", failures);
        }
    }

    /** The budgets on the test method and its class (directly or through meta-annotations), values checked. */
    private static List<Budget> budgets(ExtensionContext context) {
        List<Budget> budgets = new ArrayList<>();
        for (AnnotatedElement element : List.of(context.getRequiredTestClass(), context.getRequiredTestMethod())) {
            for (GcBudget gc : AnnotationSupport.findRepeatableAnnotations(element, GcBudget.class)) {
                if (gc.generation() < 0 || gc.generation() > 2 || gc.max() < 0) {
                    throw invalid("@GcBudget(generation = " + gc.generation() + ", max = " + gc.max()
                            + "): the generation is 0, 1 or 2 and max is at least 0.");
                }
                budgets.add(new Budget(gc.window(), s -> Budgets.gcCollectionsAtMost(s, gc.generation(), gc.max())));
            }
            for (NoImports imports : AnnotationSupport.findRepeatableAnnotations(element, NoImports.class)) {
                String[] modules = imports.value();
                budgets.add(new Budget(imports.window(), s -> modules.length == 0 ? Budgets.noImports(s)
                        : Budgets.noImportOf(s, modules)));
            }
            for (MaxCalls calls : AnnotationSupport.findRepeatableAnnotations(element, MaxCalls.class)) {
                try {
                    CallPattern.parse(calls.function());
                } catch (IllegalArgumentException e) {
                    throw invalid("@MaxCalls: " + e.getMessage());
                }
                if (calls.max() < 0) {
                    throw invalid("@MaxCalls(max = " + calls.max() + "): max is at least 0.");
                }
                budgets.add(new Budget(calls.window(), s -> Budgets.callsAtMost(s, calls.function(), calls.max())));
            }
            kernelBudgets(element, budgets);
            for (NoAudit audit : AnnotationSupport.findRepeatableAnnotations(element, NoAudit.class)) {
                if (audit.value().length == 0) {
                    throw invalid("@NoAudit needs at least one event name, e.g. @NoAudit(\"socket.connect\").");
                }
                for (String event : audit.value()) {
                    budgets.add(new Budget(audit.window(), s -> Budgets.noAuditEvent(s, event)));
                }
            }
        }
        return budgets;
    }

    /** {@link SyscallBudget} and {@link KernelBudget}. */
    private static void kernelBudgets(AnnotatedElement element, List<Budget> budgets) {
        for (SyscallBudget syscalls : AnnotationSupport.findRepeatableAnnotations(element, SyscallBudget.class)) {
            if (syscalls.max() < 0) {
                throw invalid("@SyscallBudget(max = " + syscalls.max() + "): max is at least 0.");
            }
            try {
                KernelBudgets.requireSyscallName(syscalls.syscall());
            } catch (IllegalArgumentException e) {
                throw invalid("@SyscallBudget: " + e.getMessage());
            }
            budgets.add(new Budget(syscalls.window(), s -> KernelBudgets.syscallsAtMost(s, syscalls.syscall(), syscalls.max())));
        }
        for (KernelBudget k : AnnotationSupport.findRepeatableAnnotations(element, KernelBudget.class)) {
            if (k.maxMajorFaults() < -1 || k.maxMinorFaults() < -1 || k.maxContextSwitches() < -1 || k.offCpuBelowMillis() == 0
                    || k.offCpuBelowMillis() < -1) {
                throw invalid("@KernelBudget: a budget is at least 0 (offCpuBelowMillis at least 1), or -1 for none.");
            }
            int before = budgets.size();
            if (k.maxMajorFaults() >= 0) {
                budgets.add(new Budget(k.window(), s -> KernelBudgets.majorFaultsAtMost(s, k.maxMajorFaults())));
            }
            if (k.maxMinorFaults() >= 0) {
                budgets.add(new Budget(k.window(), s -> KernelBudgets.minorFaultsAtMost(s, k.maxMinorFaults())));
            }
            if (k.maxContextSwitches() >= 0) {
                budgets.add(new Budget(k.window(), s -> KernelBudgets.contextSwitchesAtMost(s, k.maxContextSwitches())));
            }
            if (k.offCpuBelowMillis() > 0) {
                budgets.add(new Budget(k.window(), s -> KernelBudgets.offCpuBelow(s, Duration.ofMillis(k.offCpuBelowMillis()))));
            }
            if (budgets.size() == before) {
                throw invalid("@KernelBudget sets no budget: give maxMajorFaults, maxMinorFaults, maxContextSwitches or"
                        + " offCpuBelowMillis.");
            }
        }
    }

    private static ExtensionConfigurationException invalid(String sentence) {
        return new ExtensionConfigurationException(sentence);
    }

    /**
     * Writes the run's budget summary once, when the whole run ends. Both interfaces: JUnit 5.13 and later close a
     * stored AutoCloseable (once, even when it is both); 5.10 to 5.12 close only a CloseableResource.
     */
    @SuppressWarnings("deprecation")
    private static final class SummaryPublisher implements AutoCloseable, ExtensionContext.Store.CloseableResource {
        @Override
        public void close() throws IOException {
            BudgetSummary.ofThisRun().publish();
        }
    }
}

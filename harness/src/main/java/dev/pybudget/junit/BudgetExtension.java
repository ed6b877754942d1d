package dev.pybudget.junit;

import dev.pybudget.assertions.BudgetCheck;
import dev.pybudget.assertions.Budgets;
import dev.pybudget.assertions.error.InconclusiveBudget;
import dev.pybudget.assertions.InconclusiveBudgetError;
import dev.pybudget.assertions.RecordingScope;
import dev.pybudget.assertions.Verdict;
import dev.pybudget.engine.TracedWorkload;
import dev.pybudget.recording.AuditCount;
import dev.pybudget.recording.Recording;
import dev.pybudget.recording.Sections;
import dev.pybudget.report.BudgetSummary;
import java.lang.reflect.AnnotatedElement;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import java.util.stream.Collectors;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.AfterTestExecutionCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.DynamicTestInvocationContext;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.InvocationInterceptor;
import org.junit.platform.commons.support.AnnotationSupport;
import org.opentest4j.MultipleFailuresError;

/**
 * Behind the budget annotations ({@link GcBudget}, {@link NoImports}, {@link MaxCalls}, {@link NoAudit},
 * {@link SyscallBudget}, {@link KernelBudget}):
 * after the test has run, checks each budget on what the test recorded, reports every verdict to
 * the run's budget summary, then fails the test if any budget failed or could not be decided.
 * Budgets are found as JUnit finds annotations: on the test method, its class and superclasses
 * (and their interfaces), and for a {@code @Nested} class on its enclosing classes, directly or
 * through a team's own annotation. A {@code @TestFactory}'s budgets are checked on each dynamic
 * test, so the one that broke a budget is the one that fails.
 */
class BudgetExtension implements BeforeEachCallback, AfterTestExecutionCallback, InvocationInterceptor {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(BudgetExtension.class);
    private static final String BUDGET_FAILURE = "budgetFailure";

    /** The workload a test's budgets are about, and the field that holds it. */
    private record Subject(Field field, TracedWorkload workload) {}

    @Override
    public void beforeEach(ExtensionContext context) {
        budgets(context); // bad values, and budgets that cannot apply, fail here, before the test drives the workload
    }

    @Override
    public void afterTestExecution(ExtensionContext context) {
        Method method = context.getRequiredTestMethod();
        if (AnnotationSupport.isAnnotated(method, TestFactory.class)) {
            return; // each dynamic test was checked on its own
        }
        List<Budget> budgets = budgets(context);
        String testClass = TestNames.testClass(context);
        String test = TestNames.test(context, method.getName());
        if (context.getExecutionException().isPresent()) {
            notChecked(testClass, test, budgets, context.getExecutionException().get());
            return;
        }
        Subject subject = subject(context);
        Map<Field, Recording> recordings = PythonPerfExtension.testRecordings(context);
        Recording start = PythonPerfExtension.starts(context).get(subject.field());
        check(context, testClass, test, budgets, start, recordings.get(subject.field()),
                PythonPerfExtension.dumps(context).get(subject.field()), context::publishReportEntry);
    }

    /** A dynamic test of a {@code @TestFactory} with budgets: recorded and checked on its own. */
    @Override
    public void interceptDynamicTest(Invocation<Void> invocation, DynamicTestInvocationContext invocationContext,
                                     ExtensionContext context) throws Throwable {
        ExtensionContext factory = factoryOf(context);
        List<Budget> budgets = budgets(factory);
        if (budgets.isEmpty()) {
            invocation.proceed();
            return;
        }
        String method = factory.getRequiredTestMethod().getName();
        String testClass = TestNames.testClass(factory);
        String test = TestNames.test(context, method);
        Subject subject = subject(factory);
        AtomicBoolean busy = factory.getStore(NAMESPACE).getOrComputeIfAbsent("dynamicTestRunning", k -> new AtomicBoolean(),
                AtomicBoolean.class);
        if (!busy.compareAndSet(false, true)) {
            throw new ExtensionConfigurationException("Another dynamic test of " + TestNames.test(factory, method)
                    + " was using the workload in field '" + subject.field().getName() + "' when " + test + " started: each"
                    + " would count the other's work. Run the dynamic tests one at a time (@Execution(ExecutionMode.SAME_THREAD)).");
        }
        try {
            Recording start = subject.workload().snapshot();
            try {
                invocation.proceed();
            } catch (Throwable t) {
                notChecked(testClass, test, budgets, t);
                throw t;
            }
            Recording recording = subject.workload().snapshot().since(start);
            Map<Field, Path> dumps = PythonPerfExtension.write(context, method, Map.of(subject.field(), recording));
            boolean passed = false;
            try {
                check(context, testClass, test, budgets, start, recording, dumps.get(subject.field()),
                        context::publishReportEntry);
                passed = true;
            } finally {
                PythonPerfExtension.writeHtml(context, test, Map.of(subject.field(), recording), dumps, passed);
            }
        } finally {
            busy.set(false);
        }
    }

    private static ExtensionContext factoryOf(ExtensionContext dynamic) {
        for (ExtensionContext c = dynamic; c != null; c = c.getParent().orElse(null)) {
            if (c.getElement().filter(e -> e instanceof Method).isPresent()) {
                return c;
            }
        }
        throw new IllegalStateException("A dynamic test outside a @TestFactory: " + dynamic.getUniqueId());
    }

    /** The one workload the budgets are about: that of the innermost class with workloads. */
    private static Subject subject(ExtensionContext context) {
        List<WorkloadFields.Visible> own = WorkloadFields.own(WorkloadFields.visible(context));
        if (own.size() != 1) {
            throw new ExtensionConfigurationException("Budget annotations need a @PythonPerfTest class with exactly one"
                    + " @Workload field; " + TestNames.testClass(context) + " has " + own.size() + ".");
        }
        return new Subject(own.get(0).field(), own.get(0).workload());
    }

    private static void check(ExtensionContext context, String testClass, String test, List<Budget> budgets,
                              Recording start, Recording recording, Path dump, BiConsumer<String, String> report) {
        ExtensionContext.Store store = context.getStore(NAMESPACE);
        OptionalDouble maxProbeCost = ProbeCostGate.threshold(context);
        List<AssertionError> failures = new ArrayList<>();
        for (Budget budget : budgets) {
            RecordingScope scope = budget.window().isEmpty() ? RecordingScope.whole(recording)
                    : RecordingScope.window(recording, budget.window());
            BudgetCheck check = ProbeCostGate.apply(checkedSomething(budget.check().apply(scope), start, recording), scope,
                    maxProbeCost);
            BudgetSummary.ofThisRun().record(testClass, test, check);
            check.notes().forEach(note -> report.accept("pybudget.note", note));
            if (check.verdict() != Verdict.PASSED) {
                try {
                    check.orThrow();
                } catch (InconclusiveBudgetError e) {
                    failures.add(new InconclusiveBudgetError(withRecording(e.getMessage(), dump)));
                } catch (AssertionError e) {
                    failures.add(new AssertionError(withRecording(e.getMessage(), dump)));
                }
            }
        }
        if (failures.size() == 1) {
            throw failed(store, failures.get(0));
        }
        if (!failures.isEmpty()) {
            throw failed(store, new MultipleFailuresError(failures.size() + " budgets of " + test + " did not pass", failures));
        }
    }

    /** Remembers the failure that budgets threw: the summary's rows say it already, so the test's outcome need not repeat it. */
    private static <T extends Throwable> T failed(ExtensionContext.Store store, T failure) {
        store.put(BUDGET_FAILURE, failure);
        return failure;
    }

    /** Whether {@code cause} is what the budgets of the test in {@code context} threw. */
    static boolean isBudgetFailure(ExtensionContext context, Throwable cause) {
        return context.getStore(NAMESPACE).get(BUDGET_FAILURE) == cause;
    }

    private static String withRecording(String message, Path dump) {
        return dump == null ? message : message + "\n  recording: " + dump.toAbsolutePath();
    }

    /**
     * A budget that passed on a test that recorded nothing checked nothing: inconclusive, saying
     * why. Nothing: no window, no collection, import, call or audit event, nothing lost. And what a
     * window still open at the end of the test holds is cut short: inconclusive too.
     */
    private static BudgetCheck checkedSomething(BudgetCheck check, Recording start, Recording recording) {
        if (check.verdict() != Verdict.PASSED) {
            return check;
        }
        Sections whole = recording.whole();
        boolean nothing = recording.windows().isEmpty() && whole.gc().totalCollections() == 0 && whole.importCount() == 0
                && whole.calls().isEmpty() && whole.audit().isEmpty() && recording.lostEvents() == 0
                && recording.losses().nonZero().isEmpty();
        if (nothing) {
            String reason = start.exitStatus().isPresent()
                    ? "the workload had already ended before the test started (" + start.exitDescription() + "), so the test"
                    + " recorded nothing and the budget checked nothing"
                    : "nothing happened in the test: the workload recorded no window, collection, import, call or audit event"
                    + " while it ran, so the budget checked nothing; drive the workload from the test and wait for what it does";
            return inconclusive(check, "nothing recorded", reason);
        }
        long begins = auditCount(whole, "pybudget.begin");
        long ends = auditCount(whole, "pybudget.end");
        if (begins > ends) {
            return inconclusive(check, "a window still open", "a window was still open when the test ended (" + begins
                    + " begin " + (begins == 1 ? "mark" : "marks") + ", " + ends + " end " + (ends == 1 ? "mark" : "marks")
                    + " during the test), so what it holds is cut short; wait in the test for the work it started");
        }
        return check;
    }

    private static BudgetCheck inconclusive(BudgetCheck check, String measured, String reason) {
        return new BudgetCheck(check.budget(), Verdict.INCONCLUSIVE, measured,
                Optional.of(InconclusiveBudget.inconclusive(check.budget(), reason)), check.notes());
    }

    private static long auditCount(Sections s, String event) {
        return s.audit().stream().filter(a -> a.event().equals(event)).mapToLong(AuditCount::count).sum();
    }

    /** A test that threw (or was skipped) before its budgets could be checked: the summary says so, never "passed". */
    private static void notChecked(String testClass, String test, List<Budget> budgets, Throwable cause) {
        String why = "not checked: the test " + (cause instanceof org.opentest4j.TestAbortedException ? "was skipped" : "threw "
                + cause.getClass().getSimpleName());
        for (Budget budget : budgets) {
            BudgetSummary.ofThisRun().record(new BudgetSummary.Entry(test, budget.annotation(), Verdict.INCONCLUSIVE, why,
                    testClass, ""));
        }
    }

    /**
     * The budgets on the test method, its class, superclasses and their interfaces, and for a
     * {@code @Nested} class its enclosing classes (directly or through meta-annotations), values checked.
     */
    private static List<Budget> budgets(ExtensionContext context) {
        List<Budget> budgets = new ArrayList<>();
        add(context.getRequiredTestMethod(), budgets);
        List<WorkloadFields.Visible> own = WorkloadFields.own(WorkloadFields.visible(context));
        Set<Class<?>> seen = new LinkedHashSet<>();
        Class<?> testClass = context.getRequiredTestClass();
        for (Class<?> c = testClass; c != null; c = isInner(c) ? c.getEnclosingClass() : null) {
            int before = budgets.size();
            for (Class<?> k = c; k != null && k != Object.class; k = k.getSuperclass()) {
                if (seen.add(k)) {
                    add(k, budgets);
                }
            }
            if (c != testClass && budgets.size() > before) {
                requireApplicable(c, testClass, own, budgets.subList(before, budgets.size()));
            }
        }
        return budgets;
    }

    private static boolean isInner(Class<?> c) {
        return c.getEnclosingClass() != null && !Modifier.isStatic(c.getModifiers());
    }

    /** Budgets on an enclosing class are about its workloads: they cannot apply to a nested class that records its own. */
    private static void requireApplicable(Class<?> enclosing, Class<?> testClass, List<WorkloadFields.Visible> own,
                                          List<Budget> budgets) {
        List<Field> theirs = WorkloadFields.declared(enclosing, null);
        if (theirs.isEmpty() || own.stream().anyMatch(v -> theirs.contains(v.field()))) {
            return;
        }
        throw new ExtensionConfigurationException("The budgets on " + TestNames.classPath(enclosing) + " ("
                + budgets.stream().map(Budget::annotation).distinct().collect(Collectors.joining(", ")) + ") are about its"
                + " workload " + theirs.stream().map(f -> "'" + f.getName() + "'").collect(Collectors.joining(", "))
                + ", but the tests of " + TestNames.classPath(testClass) + " record their own "
                + own.stream().map(v -> "'" + v.name() + "'").collect(Collectors.joining(", "))
                + ": put these budgets on " + TestNames.classPath(testClass) + " or its tests.");
    }

    private static void add(AnnotatedElement element, List<Budget> budgets) {
        for (AnnotationBudgets<?> kind : AnnotationBudgets.all()) {
            add(element, kind, budgets);
        }
    }

    private static <A extends java.lang.annotation.Annotation> void add(AnnotatedElement element, AnnotationBudgets<A> kind,
                                                                        List<Budget> budgets) {
        for (A annotation : AnnotationSupport.findRepeatableAnnotations(element, kind.type())) {
            budgets.addAll(kind.budgets().apply(annotation));
        }
    }
}

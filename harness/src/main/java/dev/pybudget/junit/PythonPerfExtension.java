package dev.pybudget.junit;

import dev.pybudget.assertions.InconclusiveBudgetError;
import dev.pybudget.assertions.Verdict;
import dev.pybudget.container.PythonWorkloadContainer;
import dev.pybudget.engine.ProbeCalibration;
import dev.pybudget.engine.TraceException;
import dev.pybudget.engine.TracedWorkload;
import dev.pybudget.engine.WindowHandle;
import dev.pybudget.recording.Recording;
import dev.pybudget.report.BudgetSummary;
import dev.pybudget.report.ChromeTrace;
import dev.pybudget.report.HtmlReport;
import dev.pybudget.report.JsonReport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.TestInstance.Lifecycle;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.BeforeTestExecutionCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;
import org.junit.jupiter.api.extension.TestWatcher;
import org.junit.platform.commons.support.AnnotationSupport;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;
import org.testcontainers.DockerClientFactory;

/**
 * Behind {@link PythonPerfTest}: starts and stops the {@link Workload} fields, records each test
 * from just before its body (after {@code @BeforeEach}) to just after it, writes the recordings,
 * and refuses tests that would use one workload at the same time.
 */
class PythonPerfExtension implements BeforeAllCallback, BeforeEachCallback, BeforeTestExecutionCallback, AfterEachCallback,
        TestExecutionExceptionHandler, TestWatcher, ParameterResolver {

    private static final String STARTS = "testStarts";
    private static final String RECORDINGS = "testRecordings";
    private static final String DUMPS = "testDumps";

    /** Workloads this extension has stopped: a workload runs once. */
    private static final Set<TracedWorkload> STOPPED = Collections.synchronizedSet(Collections.newSetFromMap(new IdentityHashMap<>()));

    /** Which test uses each shared workload right now: tests whose recordings would hold each other's work. */
    private static final Map<TracedWorkload, String> IN_USE = Collections.synchronizedMap(new IdentityHashMap<>());

    @Override
    public void beforeAll(ExtensionContext context) {
        RunSummary.classStarted(context, reportDir(context));
        RetentionCheck.requireVisibleBudgets(context.getRequiredTestClass());
        for (Field field : WorkloadFields.declared(context.getRequiredTestClass(), true)) {
            start(context, field, null);
        }
        if (context.getTestInstanceLifecycle().orElse(Lifecycle.PER_METHOD) == Lifecycle.PER_CLASS) {
            // One instance serves every test: its workloads live as long as it does, like static ones.
            Object instance = context.getRequiredTestInstance();
            for (Field field : WorkloadFields.declared(context.getRequiredTestClass(), false)) {
                start(context, field, instance);
            }
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        RunSummary.testStarted(context);
        claim(context);
        for (Object instance : context.getRequiredTestInstances().getAllInstances()) {
            for (Field field : WorkloadFields.declared(instance.getClass(), false)) {
                start(context, field, instance);
            }
        }
    }

    /**
     * Takes each workload the test can see for this test alone until it ends: a test that starts
     * while another uses one of them is refused (before its {@code @BeforeEach} methods, so the
     * other's recording stays its own).
     */
    private static void claim(ExtensionContext context) {
        String test = TestNames.test(context, context.getRequiredTestMethod().getName());
        for (WorkloadFields.Visible v : WorkloadFields.visible(context)) {
            String other = IN_USE.putIfAbsent(v.workload(), test);
            if (other != null && !other.equals(test)) {
                throw new ExtensionConfigurationException("Another test (" + other + ") was using the workload in field '"
                        + v.name() + "' when " + test + " started: each would count the other's work, so " + test
                        + " did not run. Run the tests that share a workload one at a time (@Execution(ExecutionMode.SAME_THREAD)"
                        + " on the class, or one @ResourceLock on them), or give each test its own workload (an instance field).");
            }
            context.getStore(TestRecordings.NAMESPACE).put(new Claim(v.workload()), new Claim(v.workload()));
        }
    }

    /** Frees a workload claimed by a test when the test ends (both interfaces: see {@link Started}). */
    @SuppressWarnings("deprecation")
    private record Claim(TracedWorkload workload) implements AutoCloseable, ExtensionContext.Store.CloseableResource {
        @Override
        public boolean equals(Object o) {
            return o instanceof Claim c && c.workload == workload;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(workload);
        }

        @Override
        public void close() {
            IN_USE.remove(workload);
        }
    }

    /** The starting point of each workload's recording, after the {@code @BeforeEach} methods (a warm-up there is not the test's). */
    @Override
    public void beforeTestExecution(ExtensionContext context) {
        Map<Field, Recording> starts = new LinkedHashMap<>();
        for (WorkloadFields.Visible v : WorkloadFields.visible(context)) {
            starts.put(v.field(), v.workload().snapshot());
        }
        context.getStore(TestRecordings.NAMESPACE).put(STARTS, starts);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        try {
            Map<Field, Recording> recordings = testRecordings(context);
            Map<Field, TracedWorkload> workloads = workloads(context);
            Map<Field, Recording> starts = starts(context);
            Map<Field, Path> dumps = dumps(context);
            writeHtml(context, TestNames.test(context, context.getRequiredTestMethod().getName()), recordings, dumps,
                    context.getExecutionException().isEmpty());
            List<String> died = new ArrayList<>();
            for (Map.Entry<Field, Recording> entry : recordings.entrySet()) {
                Recording recording = entry.getValue();
                boolean diedNow = starts.get(entry.getKey()).exitStatus().isEmpty()
                        && recording.exitStatus().filter(status -> status != 0).isPresent();
                if (diedNow && !workloads.get(entry.getKey()).exitAwaited()) {
                    died.add("The workload in field '" + entry.getKey().getName() + "' died during this test ("
                            + recording.exitDescription() + "); what it recorded up to then is in "
                            + dumps.get(entry.getKey()).toAbsolutePath() + ".");
                }
            }
            if (!died.isEmpty()) {
                // A budget checked on a workload that died half-way passes by accident: say it, even when the asserts passed.
                throw new AssertionFailedError(String.join(" ", died));
            }
        } finally {
            RunSummary.testFinished();
        }
    }

    /**
     * A pybudget assertion that failed names the file of the test's recording, as a budget
     * annotation's failure does: the recording is read and written at once (the test has ended).
     */
    @Override
    public void handleTestExecutionException(ExtensionContext context, Throwable thrown) throws Throwable {
        if (!(thrown instanceof AssertionError) || !RunSummary.isAssertionFailure(thrown)) {
            throw thrown;
        }
        try {
            testRecordings(context);
        } catch (RuntimeException unreadable) {
            thrown.addSuppressed(unreadable); // the workload is gone, say: the assertion's failure stays the news
            throw thrown;
        }
        Map<Field, Path> dumps = dumps(context);
        if (dumps.size() != 1) {
            throw thrown;
        }
        String message = thrown.getMessage() + "\n  recording: " + dumps.values().iterator().next().toAbsolutePath();
        AssertionError named = thrown instanceof InconclusiveBudgetError ? new InconclusiveBudgetError(message)
                : new AssertionError(message);
        named.setStackTrace(thrown.getStackTrace());
        named.initCause(thrown.getCause());
        throw named;
    }

    @Override
    public void testSuccessful(ExtensionContext context) {
        context.getTestMethod().ifPresent(m -> BudgetSummary.ofThisRun().testPassed(TestNames.testClass(context),
                TestNames.test(context, m.getName())));
    }

    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
        if (!BudgetExtension.isBudgetFailure(context, cause)) {
            testEnded(context, "test failed: " + firstLine(cause));
        }
    }

    @Override
    public void testAborted(ExtensionContext context, Throwable cause) {
        testEnded(context, "test skipped: " + firstLine(cause));
    }

    private static void testEnded(ExtensionContext context, String outcome) {
        context.getTestMethod().ifPresent(m -> BudgetSummary.ofThisRun().testEnded(TestNames.testClass(context),
                TestNames.test(context, m.getName()), outcome));
    }

    static String firstLine(Throwable t) {
        String message = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        return message.lines().findFirst().orElse("");
    }

    /** Where each workload's recording starts for this test; empty before the test body (or for a test that never got there). */
    static Map<Field, Recording> starts(ExtensionContext context) {
        @SuppressWarnings("unchecked")
        Map<Field, Recording> starts = context.getStore(TestRecordings.NAMESPACE).get(STARTS, Map.class);
        return starts == null ? Map.of() : starts;
    }

    /**
     * What each workload did during the test, read once when the test has run: by the first of
     * this extension and the budget checks to ask, so that both see the same recording whatever
     * order JUnit calls them in. Each is written to the report folder at once, so a failure can name its file.
     */
    static Map<Field, Recording> testRecordings(ExtensionContext context) {
        ExtensionContext.Store store = context.getStore(TestRecordings.NAMESPACE);
        @SuppressWarnings("unchecked")
        Map<Field, Recording> done = store.get(RECORDINGS, Map.class);
        if (done != null) {
            return done;
        }
        Map<Field, Recording> starts = starts(context);
        if (starts.isEmpty()) {
            return Map.of();
        }
        Map<Field, TracedWorkload> workloads = workloads(context);
        Map<Field, Recording> recordings = new LinkedHashMap<>();
        for (Map.Entry<Field, Recording> start : starts.entrySet()) {
            Recording now;
            try {
                now = workloads.get(start.getKey()).snapshot();
            } catch (RuntimeException e) {
                if (context.getExecutionException().isPresent()) {
                    continue; // the test failed already, most likely for this very reason: one failure, not two
                }
                throw e;
            }
            recordings.put(start.getKey(), now.since(start.getValue()));
        }
        store.put(RECORDINGS, recordings);
        store.put(DUMPS, write(context, context.getRequiredTestMethod().getName(), recordings));
        List<WorkloadFields.Visible> own = WorkloadFields.own(WorkloadFields.visible(context));
        if (own.size() == 1 && recordings.containsKey(own.get(0).field())) {
            store.put(TestRecordings.KEY, recordings.get(own.get(0).field())); // the test's own, as its budgets see it
        }
        return recordings;
    }

    /** Where {@link #testRecordings} wrote each recording. */
    static Map<Field, Path> dumps(ExtensionContext context) {
        @SuppressWarnings("unchecked")
        Map<Field, Path> dumps = context.getStore(TestRecordings.NAMESPACE).get(DUMPS, Map.class);
        return dumps == null ? Map.of() : dumps;
    }

    /**
     * Writes each recording as JSON (schema 1) and as a Chrome trace, named after the test (and
     * the field, when there are several), readable by all.
     */
    static Map<Field, Path> write(ExtensionContext context, String method, Map<Field, Recording> recordings) {
        ProbeCalibration.ensure(Optional.empty()); // what the probes cost, in the reports (once per machine, then cached)
        Map<Field, Path> dumps = new LinkedHashMap<>();
        for (Map.Entry<Field, Recording> entry : recordings.entrySet()) {
            String suffix = recordings.size() == 1 ? "" : "-" + entry.getKey().getName();
            Path dump = reportDir(context).resolve(TestNames.fileStem(context, method) + suffix + ".json");
            Path trace = dump.resolveSibling(dump.getFileName().toString().replace(".json", ".trace.json"));
            try {
                JsonReport.write(entry.getValue(), dump);
                ChromeTrace.write(entry.getValue(), trace);
                BudgetSummary.readableByAll(dump);
                BudgetSummary.readableByAll(trace);
            } catch (IOException e) {
                throw new UncheckedIOException("The recording could not be written to " + dump, e);
            }
            context.publishReportEntry("pybudget.recording" + suffix, dump.toAbsolutePath().toString());
            context.publishReportEntry("pybudget.chromeTrace" + suffix, trace.toAbsolutePath().toString());
            dumps.put(entry.getKey(), dump);
        }
        return dumps;
    }

    /**
     * Writes each recording's HTML page beside its JSON, with the verdicts of the test's budgets: once they are
     * checked (annotations after the test, assertions during it), so after the JSON.
     */
    static void writeHtml(ExtensionContext context, String test, Map<Field, Recording> recordings, Map<Field, Path> dumps,
                          boolean testPassed) {
        // A check that did not pass in a test that did was caught by the test on purpose (assertThatThrownBy): not news.
        List<HtmlReport.Budget> budgets = HtmlReport.budgetsOf(BudgetSummary.ofThisRun(), test).stream()
                .filter(b -> !testPassed || b.verdict() == Verdict.PASSED).toList();
        for (Map.Entry<Field, Path> dump : dumps.entrySet()) {
            Path html = HtmlReport.besideJson(dump.getValue());
            try {
                HtmlReport.write(recordings.get(dump.getKey()), html, budgets);
            } catch (IOException e) {
                throw new UncheckedIOException("The HTML report could not be written to " + html, e);
            }
            context.publishReportEntry("pybudget.html" + (dumps.size() == 1 ? "" : "-" + dump.getKey().getName()),
                    html.toAbsolutePath().toString());
        }
    }

    static Path reportDir(ExtensionContext context) {
        return Path.of(Settings.get(context, Settings.REPORT_DIR).orElse("target/pybudget"));
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == Recorder.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        Map<Field, TracedWorkload> workloads = workloads(context);
        if (workloads.isEmpty()) {
            throw new ParameterResolutionException("A Recorder needs a @Workload field in " + context.getRequiredTestClass().getName() + ".");
        }
        List<WorkloadFields.Visible> own = WorkloadFields.own(WorkloadFields.visible(context));
        return new TestRecorder(context, workloads, own.size() == 1 ? own.get(0).workload() : null);
    }

    /** The workloads this test can see (its classes' static ones and its instances'), by field. */
    static Map<Field, TracedWorkload> workloads(ExtensionContext context) {
        Map<Field, TracedWorkload> all = new LinkedHashMap<>();
        WorkloadFields.visible(context).forEach(v -> all.put(v.field(), v.workload()));
        return all;
    }

    private void start(ExtensionContext context, Field field, Object instance) {
        TracedWorkload workload = WorkloadFields.read(field, instance);
        Started started = new Started(workload);
        if (context.getStore(TestRecordings.NAMESPACE).get(started) != null) {
            return; // started for an enclosing scope (a class whose one instance serves every test)
        }
        PythonPerfTest settings = AnnotationSupport.findAnnotation(context.getRequiredTestClass(), PythonPerfTest.class)
                .orElse(null);
        if (workload instanceof PythonWorkloadContainer) {
            requireDocker(settings != null && settings.disabledWithoutDocker());
        }
        if (STOPPED.contains(workload)) {
            throw new ExtensionConfigurationException("The workload in field '" + field.getName() + "' was stopped when an"
                    + " earlier test class that shares it ended, and a workload runs once: give "
                    + TestNames.classPath(context.getRequiredTestClass()) + " a workload of its own (a new one in its own"
                    + " static field), or run the classes as @Nested classes of one class that holds it.");
        }
        // Stored first, so that a workload that fails half-way through start is still stopped.
        context.getStore(TestRecordings.NAMESPACE).put(started, started);
        try {
            workload.start();
        } catch (TraceException e) {
            throw new ExtensionConfigurationException("The workload in field '" + field.getName() + "' could not be traced: "
                    + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new ExtensionConfigurationException("The workload in field '" + field.getName() + "' did not start: "
                    + rootMessage(e), e);
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        String message = e.getMessage();
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
            if (t.getMessage() != null) {
                message = t.getMessage();
            }
        }
        return message;
    }

    private static void requireDocker(boolean skipWithoutDocker) {
        boolean available;
        try {
            available = DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException e) {
            available = false;
        }
        if (available) {
            return;
        }
        String sentence = "No Docker engine could be reached, so the workload container cannot start: start one"
                + " (on Debian, sudo bash ci/setup-engine.sh) or point DOCKER_HOST at one.";
        if (skipWithoutDocker) {
            throw new TestAbortedException(sentence + " Skipped: @PythonPerfTest(disabledWithoutDocker = true).");
        }
        throw new ExtensionConfigurationException(sentence);
    }

    /**
     * Stops the workload when its scope (class or test) ends; one per workload object, whatever its field. Both
     * interfaces: JUnit 5.13 and later close a stored AutoCloseable (once, even when it is both); 5.10 to 5.12 close
     * only a CloseableResource.
     */
    @SuppressWarnings("deprecation")
    private record Started(TracedWorkload workload) implements AutoCloseable, ExtensionContext.Store.CloseableResource {
        @Override
        public boolean equals(Object o) {
            return o instanceof Started s && s.workload == workload;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(workload);
        }

        @Override
        public void close() {
            STOPPED.add(workload);
            workload.stop();
        }
    }

    private static final class TestRecorder implements Recorder {
        private final ExtensionContext context;
        private final Map<Field, TracedWorkload> workloads;
        private final TracedWorkload workload;

        TestRecorder(ExtensionContext context, Map<Field, TracedWorkload> workloads, TracedWorkload workload) {
            this.context = context;
            this.workloads = workloads;
            this.workload = workload;
        }

        private TracedWorkload workload() {
            if (workload == null) {
                throw new IllegalStateException("This test has " + workloads.size() + " @Workload fields "
                        + workloads.keySet().stream().map(Field::getName).toList() + ": use recorder.of(field).");
            }
            return workload;
        }

        @Override
        public Recording record(String name, Work work) {
            return workload().record(name, () -> {
                try {
                    work.run();
                } catch (RuntimeException | Error e) {
                    throw e;
                } catch (Exception e) {
                    throw new IllegalStateException("The recorded work failed: " + e, e);
                }
            });
        }

        @Override
        public WindowHandle open(String name) {
            return workload().openWindow(name);
        }

        @Override
        public Recording sinceTestStart() {
            Map<Field, Recording> starts = starts(context);
            if (starts.isEmpty()) {
                throw new IllegalStateException("The test has not started yet: sinceTestStart() counts from just before the"
                        + " test method runs, after its @BeforeEach methods.");
            }
            for (Map.Entry<Field, TracedWorkload> w : workloads.entrySet()) {
                if (w.getValue() == workload()) {
                    return workload.snapshot().since(starts.get(w.getKey()));
                }
            }
            throw new IllegalStateException("unreachable: the recorder's workload is one of the test's");
        }

        @Override
        public Recorder of(TracedWorkload other) {
            if (!workloads.containsValue(other)) {
                throw new IllegalArgumentException("That workload is not a @Workload field of this test.");
            }
            return new TestRecorder(context, workloads, other);
        }
    }
}

package dev.pybudget.junit;

import dev.pybudget.container.PythonWorkloadContainer;
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
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;
import org.junit.platform.commons.support.HierarchyTraversalMode;
import org.junit.platform.commons.support.ModifierSupport;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;
import org.testcontainers.DockerClientFactory;

/** Behind {@link PythonPerfTest}: starts and stops the {@link Workload} fields, records each test. */
class PythonPerfExtension implements BeforeAllCallback, BeforeEachCallback, AfterEachCallback, ParameterResolver {

    private static final String STARTS = "testStarts";
    private static final String RECORDINGS = "testRecordings";
    static final String REPORT_DIR_PROPERTY = "pybudget.reportDir";

    @Override
    public void beforeAll(ExtensionContext context) {
        for (Field field : workloadFields(context.getRequiredTestClass(), true)) {
            start(context, field, null);
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        Object instance = context.getRequiredTestInstance();
        for (Field field : workloadFields(context.getRequiredTestClass(), false)) {
            start(context, field, instance);
        }
        Map<Field, Recording> starts = new LinkedHashMap<>();
        for (Map.Entry<Field, TracedWorkload> w : workloads(context).entrySet()) {
            starts.put(w.getKey(), w.getValue().snapshot());
        }
        context.getStore(TestRecordings.NAMESPACE).put(STARTS, starts);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        Map<Field, Recording> recordings = testRecordings(context);
        Map<Field, TracedWorkload> workloads = workloads(context);
        @SuppressWarnings("unchecked")
        Map<Field, Recording> starts = context.getStore(TestRecordings.NAMESPACE).get(STARTS, Map.class);
        List<String> died = new ArrayList<>();
        for (Map.Entry<Field, Recording> entry : recordings.entrySet()) {
            String suffix = recordings.size() == 1 ? "" : "-" + entry.getKey().getName();
            Path dump = reportDir().resolve(context.getRequiredTestClass().getSimpleName() + "-"
                    + context.getRequiredTestMethod().getName() + suffix + ".json");
            Path trace = dump.resolveSibling(dump.getFileName().toString().replace(".json", ".trace.json"));
            try {
                JsonReport.write(entry.getValue(), dump);
                ChromeTrace.write(entry.getValue(), trace);
                HtmlReport.write(entry.getValue(), HtmlReport.besideJson(dump), HtmlReport.budgetsOf(BudgetSummary.ofThisRun(),
                        context.getRequiredTestClass().getSimpleName() + "." + context.getRequiredTestMethod().getName()));
            } catch (IOException e) {
                throw new UncheckedIOException("The recording could not be written to " + dump, e);
            }
            context.publishReportEntry("pybudget.recording" + suffix, dump.toAbsolutePath().toString());
            context.publishReportEntry("pybudget.chromeTrace" + suffix, trace.toAbsolutePath().toString());
            Recording recording = entry.getValue();
            boolean diedNow = starts.get(entry.getKey()).exitStatus().isEmpty()
                    && recording.exitStatus().filter(status -> status != 0).isPresent();
            if (diedNow && !workloads.get(entry.getKey()).exitAwaited()) {
                died.add("The workload in field '" + entry.getKey().getName() + "' died during this test ("
                        + recording.exitDescription() + "); what it recorded up to then is in " + dump.toAbsolutePath() + ".");
            }
        }
        if (!died.isEmpty()) {
            // A budget checked on a workload that died half-way passes by accident: say it, even when the asserts passed.
            throw new AssertionFailedError(String.join(" ", died));
        }
    }

    /**
     * What each workload did during the test, read once when the test has run: by the first of
     * this extension and the budget checks to ask, so that both see the same recording whatever
     * order JUnit calls them in.
     */
    static Map<Field, Recording> testRecordings(ExtensionContext context) {
        ExtensionContext.Store store = context.getStore(TestRecordings.NAMESPACE);
        @SuppressWarnings("unchecked")
        Map<Field, Recording> done = store.get(RECORDINGS, Map.class);
        if (done != null) {
            return done;
        }
        @SuppressWarnings("unchecked")
        Map<Field, Recording> starts = store.get(STARTS, Map.class);
        if (starts == null) {
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
        if (recordings.size() == 1) {
            store.put(TestRecordings.KEY, recordings.values().iterator().next());
        }
        return recordings;
    }

    static Path reportDir() {
        return Path.of(System.getProperty(REPORT_DIR_PROPERTY, "target/pybudget"));
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
        return new TestRecorder(context, workloads, workloads.size() == 1 ? workloads.values().iterator().next() : null);
    }

    /** The workloads this test can see: its class's static ones and its instance's, by field. */
    private static Map<Field, TracedWorkload> workloads(ExtensionContext context) {
        Map<Field, TracedWorkload> all = new LinkedHashMap<>();
        Object instance = context.getTestInstance().orElse(null);
        for (Field field : workloadFields(context.getRequiredTestClass(), null)) {
            boolean isStatic = ModifierSupport.isStatic(field);
            if (isStatic || instance != null) {
                all.put(field, read(field, isStatic ? null : instance));
            }
        }
        return all;
    }

    private void start(ExtensionContext context, Field field, Object instance) {
        TracedWorkload workload = read(field, instance);
        PythonPerfTest settings = AnnotationSupport.findAnnotation(context.getRequiredTestClass(), PythonPerfTest.class)
                .orElse(null);
        if (workload instanceof PythonWorkloadContainer) {
            requireDocker(settings != null && settings.disabledWithoutDocker());
        }
        // Stored first, so that a workload that fails half-way through start is still stopped.
        context.getStore(TestRecordings.NAMESPACE).put("workload:" + field.getName(), new Started(workload));
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

    private static List<Field> workloadFields(Class<?> testClass, Boolean wantStatic) {
        List<Field> fields = new ArrayList<>();
        for (Field field : AnnotationSupport.findAnnotatedFields(testClass, Workload.class, f -> true,
                HierarchyTraversalMode.TOP_DOWN)) {
            if (!TracedWorkload.class.isAssignableFrom(field.getType())) {
                throw new ExtensionConfigurationException("@Workload field '" + field.getName() + "' must hold a TracedWorkload"
                        + " (PythonWorkloadContainer or LocalWorkload), not " + field.getType().getSimpleName() + ".");
            }
            if (wantStatic == null || Modifier.isStatic(field.getModifiers()) == wantStatic) {
                fields.add(field);
            }
        }
        return fields;
    }

    private static TracedWorkload read(Field field, Object instance) {
        try {
            field.setAccessible(true);
            TracedWorkload workload = (TracedWorkload) field.get(instance);
            if (workload == null) {
                throw new ExtensionConfigurationException("@Workload field '" + field.getName() + "' is null: initialise it.");
            }
            return workload;
        } catch (IllegalAccessException e) {
            throw new ExtensionConfigurationException("@Workload field '" + field.getName() + "' cannot be read.", e);
        }
    }

    /**
     * Stops the workload when its scope (class or test) ends. Both interfaces: JUnit 5.13 and later close a stored
     * AutoCloseable (once, even when it is both); 5.10 to 5.12 close only a CloseableResource.
     */
    @SuppressWarnings("deprecation")
    private record Started(TracedWorkload workload) implements AutoCloseable, ExtensionContext.Store.CloseableResource {
        @Override
        public void close() {
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
            @SuppressWarnings("unchecked")
            Map<Field, Recording> starts = context.getStore(TestRecordings.NAMESPACE).get(STARTS, Map.class);
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

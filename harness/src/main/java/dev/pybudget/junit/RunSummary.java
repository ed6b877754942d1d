package dev.pybudget.junit;

import dev.pybudget.assertions.AssertedChecks;
import dev.pybudget.assertions.BaselineMode;
import dev.pybudget.assertions.BudgetCheck;
import dev.pybudget.report.BudgetSummary;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Function;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The run's budget summary as the JUnit layer keeps it: annotation budgets are recorded by
 * {@link BudgetExtension}; pybudget assertions made while a test runs are recorded here, under that
 * test; each test class's part is saved when the class ends, and this JVM's table goes to GitHub's
 * step summary when the run ends.
 */
final class RunSummary {
    private RunSummary() {}

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(RunSummary.class);

    /** The test running on this thread (and on threads it starts): its class, its name, the messages of its failed checks. */
    private record Current(String testClass, String test, Set<String> failures) {}

    private static final InheritableThreadLocal<Current> CURRENT = new InheritableThreadLocal<>();

    private static final Consumer<BudgetCheck> ASSERTIONS = check -> {
        Current test = CURRENT.get();
        if (test != null) {
            BudgetSummary.ofThisRun().record(test.testClass(), test.test(), check);
            if (!check.passed()) {
                test.failures().add(check.message());
            }
        }
    };

    /** When a test class starts: assertions are listened to, baselines read the run's settings, the summary is saved at the end. */
    static void classStarted(ExtensionContext context, Path reportDir) {
        AssertedChecks.addListener(ASSERTIONS);
        context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent(Configuration.class, k -> new Configuration(
                BaselineMode.useConfiguration(context.getRoot()::getConfigurationParameter)), Configuration.class);
        context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent(Publisher.class, k -> new Publisher(reportDir), Publisher.class);
        context.getStore(NAMESPACE).getOrComputeIfAbsent(Saver.class, k -> new Saver(reportDir), Saver.class);
    }

    static void testStarted(ExtensionContext context) {
        CURRENT.set(new Current(TestNames.testClass(context), TestNames.test(context, context.getRequiredTestMethod().getName()),
                ConcurrentHashMap.newKeySet()));
    }

    /** Whether {@code failure} is a pybudget assertion's failure in the test running on this thread. */
    static boolean isAssertionFailure(Throwable failure) {
        Current test = CURRENT.get();
        String message = failure.getMessage();
        return test != null && message != null && test.failures().stream().anyMatch(m -> !m.isEmpty() && message.endsWith(m));
    }

    static void testFinished() {
        CURRENT.remove();
    }

    /** Baselines read this run's configuration parameters until it ends, then what they read before. */
    @SuppressWarnings("deprecation") // both interfaces: JUnit 5.10 to 5.12 close only a CloseableResource
    private record Configuration(Function<String, Optional<String>> before) implements AutoCloseable,
            ExtensionContext.Store.CloseableResource {
        @Override
        public void close() {
            BaselineMode.useConfiguration(before);
        }
    }

    /** Saves the parts of this JVM's test classes and remakes summary.md, when a test class ends. */
    @SuppressWarnings("deprecation") // both interfaces: JUnit 5.10 to 5.12 close only a CloseableResource
    private record Saver(Path reportDir) implements AutoCloseable,
            ExtensionContext.Store.CloseableResource {
        @Override
        public void close() throws IOException {
            BudgetSummary.ofThisRun().save(reportDir);
        }
    }

    /** Saves once more and appends this JVM's table to $GITHUB_STEP_SUMMARY, when the run ends. */
    @SuppressWarnings("deprecation") // both interfaces: JUnit 5.10 to 5.12 close only a CloseableResource
    private record Publisher(Path reportDir) implements AutoCloseable,
            ExtensionContext.Store.CloseableResource {
        @Override
        public void close() throws IOException {
            BudgetSummary.ofThisRun().publish(reportDir, System.getenv());
        }
    }
}

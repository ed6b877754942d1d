package dev.pybudget.junit;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.discovery.ClassSelector;
import org.junit.platform.engine.support.descriptor.ClassSource;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/**
 * Runs test classes through junit-platform-launcher in a child JVM (this class's {@code main}),
 * which a test can start in an environment of its choosing; each finished class or test is one
 * line on stdout: {@code RESULT<TAB>class|test<TAB>uniqueId<TAB>STATUS<TAB>exception class<TAB>message}.
 */
public final class ChildLauncher {

    /** One finished class or test, as the child printed it. */
    public record Outcome(String kind, String uniqueId, String status, String exception, String message) {}

    /** What the child printed and its outcomes. */
    public record ChildRun(int exitCode, String output, List<Outcome> outcomes) {

        public List<Outcome> of(String kind) {
            return outcomes.stream().filter(o -> o.kind().equals(kind)).toList();
        }
    }

    public static void main(String[] args) throws Exception {
        List<ClassSelector> selectors = new ArrayList<>();
        for (String name : args) {
            selectors.add(selectClass(Class.forName(name)));
        }
        LauncherFactory.create().execute(LauncherDiscoveryRequestBuilder.request().selectors(selectors).build(),
                new TestExecutionListener() {
                    @Override
                    public void executionFinished(TestIdentifier id, TestExecutionResult result) {
                        boolean isClass = id.getSource().filter(s -> s instanceof ClassSource).isPresent();
                        if (!id.isTest() && !isClass) {
                            return;
                        }
                        Throwable t = result.getThrowable().orElse(null);
                        System.out.println(String.join("\t", "RESULT", id.isTest() ? "test" : "class", id.getUniqueId(),
                                result.getStatus().name(), t == null ? "" : t.getClass().getName(),
                                t == null || t.getMessage() == null ? "" : t.getMessage().replace("\n", "\\n")));
                        System.out.flush();
                    }
                });
        System.exit(0);
    }

    /**
     * Runs {@code classes} in a child JVM with this JVM's test classpath, as {@code prefix... java ...}
     * (e.g. {@code unshare ...} to change what the child sees), and returns what it printed.
     */
    public static ChildRun run(List<String> prefix, Duration timeout, Class<?>... classes) {
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> command = new ArrayList<>(prefix);
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-cp");
        command.add(classpath);
        command.add(ChildLauncher.class.getName());
        for (Class<?> c : classes) {
            command.add(c.getName());
        }
        try {
            Path out = Files.createTempFile("pybudget-child-", ".out");
            try {
                Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
                if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                    throw new AssertionError("The child JVM did not finish within " + timeout + "; its output:\n"
                            + Files.readString(out, StandardCharsets.UTF_8));
                }
                String output = Files.readString(out, StandardCharsets.UTF_8);
                List<Outcome> outcomes = new ArrayList<>();
                for (String line : output.split("\n")) {
                    if (line.startsWith("RESULT\t")) {
                        String[] f = line.split("\t", -1);
                        outcomes.add(new Outcome(f[1], f[2], f[3], f[4], f[5].replace("\\n", "\n")));
                    }
                }
                return new ChildRun(p.exitValue(), output, outcomes);
            } finally {
                Files.deleteIfExists(out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}

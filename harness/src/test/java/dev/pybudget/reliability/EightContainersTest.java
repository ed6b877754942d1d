package dev.pybudget.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pybudget.container.PythonImage;
import dev.pybudget.container.PythonWorkloadContainer;
import dev.pybudget.recording.ImportNode;
import dev.pybudget.recording.Losses;
import dev.pybudget.recording.Recording;
import dev.pybudget.recording.Sections;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import dev.pybudget.support.RecordedCounts;
import dev.pybudget.support.Oracle;
import dev.pybudget.support.CountComparisons;
import dev.pybudget.support.PythonFixtures;
import dev.pybudget.support.ContainerRuns;

/**
 * Eight workload containers at once on this machine's two cores, each running a different oracle
 * fixture: every window's counts (gc per generation and collected, audit per event, imports, and
 * calls where counted) and the whole run's collections still equal the oracle's of that container.
 */
class EightContainersTest {

    static final String ORACLE = "/tmp/oracle.json";

    /** A fixture run: its command in python-fixtures/, the call pattern if its calls are compared, its losses. */
    record Job(String pattern, Losses losses, String... command) {}

    /** windows.py ends a window it never began ("ghost"), on purpose. */
    static final Losses GHOST = new Losses(0, 0, 0, 0, 0, 0, 1, 0, 0, 0);

    static final List<Job> JOBS = List.of(
            new Job(null, Losses.NONE, "gc_churn.py"),
            new Job("*/call_parser.py:*", Losses.NONE, "call_parser.py"),
            new Job(null, Losses.NONE, "audit_io.py"),
            new Job("*/windows.py:*", GHOST, "windows.py"),
            new Job(null, Losses.NONE, "threads_gc.py", "300", "--concurrent"),
            new Job(null, Losses.NONE, "lazy_import/app.py"),
            new Job(null, Losses.NONE, "reliability/storm.py", "100", "100"),
            new Job(null, Losses.NONE, "reliability/threads_imports.py"));

    record Outcome(Job job, Recording recording, Oracle oracle, String output) {}

    @Test
    void should_match_every_oracle_with_eight_containers_at_once() throws Exception {
        long start = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(JOBS.size());
        List<CompletableFuture<Outcome>> running = new ArrayList<>();
        try {
            for (Job job : JOBS) {
                running.add(CompletableFuture.supplyAsync(() -> run(job), pool));
            }
            // Every run ends (and removes its containers) before a failure is thrown: interrupting the others would
            // leave their containers behind for the next test class to find.
            List<Outcome> outcomes = new ArrayList<>();
            ExecutionException failed = null;
            for (CompletableFuture<Outcome> f : running) {
                try {
                    outcomes.add(f.get(10, TimeUnit.MINUTES));
                } catch (ExecutionException e) {
                    failed = failed == null ? e : failed;
                }
            }
            if (failed != null) {
                throw failed;
            }
            long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
            System.out.printf("%d containers in parallel on %d cores: %d s from the first start to the last oracle%n",
                    JOBS.size(), Runtime.getRuntime().availableProcessors(), seconds);
            for (Outcome o : outcomes) {
                check(o);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    static Outcome run(Job job) {
        PythonWorkloadContainer app = ContainerRuns.withOracleImportable(new PythonWorkloadContainer(PythonImage.CPYTHON_3_11))
                .withFixture(PythonFixtures.WORKLOADS.toString())
                .withEnv("PYBUDGET_ORACLE", ORACLE)
                .withCommand(python(job.command()));
        if (job.pattern() != null) {
            app = app.withCallPattern(job.pattern());
        }
        try (PythonWorkloadContainer c = app) {
            c.start();
            Recording r = c.awaitExit(Duration.ofMinutes(5));
            String oracle = c.copyFileFromContainer(ORACLE, in -> new String(in.readAllBytes(), StandardCharsets.UTF_8));
            return new Outcome(job, r, Oracle.parse(oracle), c.getWorkloadOutput());
        } catch (Exception e) {
            throw new IllegalStateException(String.join(" ", job.command()) + ": " + e.getMessage(), e);
        }
    }

    static String[] python(String... command) {
        List<String> all = new ArrayList<>(List.of("python3"));
        all.addAll(List.of(command));
        return all.toArray(String[]::new);
    }

    static void check(Outcome o) {
        String what = String.join(" ", o.job().command());
        Recording r = o.recording();
        assertThat(r.exitStatus()).as("%s: exit status; output: %s", what, o.output()).contains(0);
        assertThat(r.losses()).as("%s: losses", what).isEqualTo(o.job().losses());
        Set<String> windows = o.oracle().windowNames();
        assertThat(windows).as("%s: the oracle's windows", what).isNotEmpty();
        int compared = 0;
        for (String name : windows) {
            Sections kernel = r.window(name).orElseThrow(() -> new AssertionError(what + ": no window " + name)).sections();
            JsonNode oracle = o.oracle().window(name);
            CountComparisons.assertSameWindow(what + " " + name, kernel, oracle);
            Set<String> modules = new TreeSet<>();
            kernel.allImports().stream().map(ImportNode::module).forEach(modules::add);
            assertThat(modules).as("%s: window %s: modules imported, kernel vs oracle", what, name)
                    .isEqualTo(Oracle.imports(oracle));
            if (o.job().pattern() != null) {
                Map<String, Long> calls = new TreeMap<>(RecordedCounts.calls(kernel));
                calls.keySet().removeIf(k -> k.contains("/oracle.py:"));
                assertThat(calls).as("%s: window %s: calls, kernel vs oracle", what, name)
                        .isEqualTo(Oracle.counts(oracle, "rawCalls"));
            }
            compared++;
        }
        CountComparisons.assertSameGc(what + ": whole run (gc.get_stats)", r.gc(), o.oracle().root().path("gcStats"));
        System.out.printf("  %-34s %d windows equal to the oracle, gc %s%n", what, compared, r.gc().collections());
    }
}

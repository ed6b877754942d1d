package dev.pybudget.cli;

import static dev.pybudget.support.CountComparisons.assertSameGc;
import static dev.pybudget.support.CountComparisons.assertSameWindow;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pybudget.recording.Recording;
import dev.pybudget.recording.Window;
import dev.pybudget.report.JsonReport;
import dev.pybudget.support.Oracle;
import dev.pybudget.support.PythonFixtures;
import dev.pybudget.support.Pythons;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command line warms its end path up while the workload runs (EndPathWarmUp: a snapshot and its reports, thrown
 * away), and the report it writes after that still has exactly the counts of the interpreter's own hooks. In a JVM
 * of its own, as {@code java -jar} runs; the workload runs over a second (1.2 s untraced), well past the warm-up's
 * start ({@link EndPathWarmUp#DELAY_MILLIS}).
 */
class EndPathWarmUpTest {

    @TempDir
    Path tmp;

    @Test
    void should_report_the_oracle_s_counts_after_warming_up_while_the_workload_ran() throws Exception {
        Path json = tmp.resolve("report.json");
        Path oracleFile = tmp.resolve("oracle.json");
        CliRun run;
        try (ChildCli cli = ChildCli.start(tmp, env -> env.put("PYBUDGET_ORACLE", oracleFile.toString()), "trace", "--json",
                json.toString(), "--", Pythons.debian().toString(), PythonFixtures.workload("gc_churn.py").toString(), "4000")) {
            run = cli.await(120);
        }

        assertThat(run.status()).as("exit status; stderr: %s", run.err()).isZero();
        Recording recording = JsonReport.read(json);
        Oracle oracle = Oracle.read(oracleFile);
        assertSameGc("whole run", recording.gc(), oracle.gcStats());
        assertSameWindow("work", recording.window("work").map(Window::sections).orElseThrow(), oracle.window("work"));
        assertThat(run.out()).contains(String.format("Collections: gen0 %d, gen1 %d, gen2 %d;",
                recording.gc().collections().get(0), recording.gc().collections().get(1), recording.gc().collections().get(2)));
    }
}

package dev.pybudget.junit;

import static dev.pybudget.support.CountComparisons.assertSameGc;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pybudget.container.PythonWorkloadContainer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import dev.pybudget.support.RecordedCounts;
import dev.pybudget.support.OracleRun;
import dev.pybudget.support.Oracle;
import dev.pybudget.support.ContainerRuns;

/** Drives {@link ParallelContainersTest#DRIVEN} in a container and compares its kernel counts with its oracle's. */
final class OracleCheck {
    private OracleCheck() {}

    static final String ORACLE = ContainerRuns.ORACLE;

    /** Sends "go N" for each of {@code rounds}, then "exit"; waits for the exit and compares everything exactly. */
    static OracleRun driveAndCompare(PythonWorkloadContainer app, int... rounds) throws Exception {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(app.getHost(), app.getMappedPort(9000)), 5000);
            socket.setSoTimeout(60_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = socket.getOutputStream();
            for (int n : rounds) {
                out.write(("go " + n + "\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                assertThat(in.readLine()).isEqualTo("done");
            }
            out.write("exit\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }
        OracleRun run = ContainerRuns.finish(app);

        assertSameGc("whole run", run.recording().gc(), run.oracle().gcStats());
        assertSameGc("window 'work'", run.window("work").gc(), run.oracle().window("work").path("gc"));
        assertThat(run.window("work").gc().collections(0)).as("the work collects").isPositive();
        assertThat(RecordedCounts.audit(run.window("work"))).as("audit in window 'work', kernel vs oracle")
                .isEqualTo(Oracle.counts(run.oracle().window("work"), "audit"))
                .containsEntry("pybudget.begin", (long) rounds.length);
        assertThat(RecordedCounts.importSet(run.window("work"))).as("imports in window 'work', kernel vs oracle")
                .isEqualTo(Oracle.imports(run.oracle().window("work"))).contains("colorsys", "shlex");
        assertThat(RecordedCounts.calls(run.recording().whole())).as("calls of driven.py, kernel vs oracle")
                .isEqualTo(Oracle.counts(run.oracle().root(), "rawCalls"));
        assertThat(RecordedCounts.calls(run.window("work"))).as("calls in window 'work', kernel vs oracle")
                .isEqualTo(Oracle.counts(run.oracle().window("work"), "rawCalls"))
                .containsKey("/workload/driven.py:grow");
        return run;
    }
}

package dev.pybudget.container;

import static dev.pybudget.support.CountComparisons.assertSameGc;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.model.Capability;
import dev.pybudget.recording.Recording;
import org.junit.jupiter.api.Test;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.images.builder.ImageFromDockerfile;
import dev.pybudget.support.RecordedCounts;
import dev.pybudget.support.Oracle;
import dev.pybudget.support.ContainerRuns;
import dev.pybudget.support.PythonFixtures;

/**
 * A team's own image, as a team writes it: Debian's python3.11 and an app, a non-root USER, no JRE, no libbpf,
 * nothing of pybudget's (the Dockerfile fails to build if java or libbpf is in it). Traced exactly, against the
 * in-process oracle, from the first bytecode.
 */
class BringYourOwnImageTest {

    static final String IMAGE = "pybudget-test/checkout-service:1.4";

    @Test
    void should_trace_a_user_image_with_no_jre_and_no_libbpf_exactly_as_its_oracle_sees_it() throws Exception {
        new ImageFromDockerfile(IMAGE, false)
                .withFileFromPath("gc_churn.py", PythonFixtures.workload("gc_churn.py"))
                .withFileFromPath("oracle.py", PythonFixtures.SUPPORT.resolve("oracle.py"))
                .withFileFromString("Dockerfile", String.join("\n",
                        "FROM debian:bookworm-slim",
                        "RUN apt-get update && apt-get install -y --no-install-recommends python3.11 && rm -rf /var/lib/apt/lists/*",
                        "RUN ! command -v java && ! ls /usr/lib/*/libbpf.so* /lib/*/libbpf.so* 2>/dev/null",
                        "COPY gc_churn.py oracle.py /srv/",
                        "WORKDIR /srv",
                        "USER 1000:1000",
                        "CMD [\"python3.11\", \"gc_churn.py\"]",
                        ""))
                .get();

        try (PythonWorkloadContainer app = new PythonWorkloadContainer(IMAGE)
                .withEnv("PYBUDGET_ORACLE", "/tmp/oracle.json")
                .withWorkingDirectory("/srv")
                .withCommand("python3.11", "gc_churn.py")) {
            app.start();
            assertThat(DockerClientFactory.instance().client().inspectContainerCmd(app.getAgentContainer().getContainerId()).exec()
                    .getHostConfig().getCapAdd()).as("the image's USER is not root: the agent holds CAP_SYS_PTRACE too")
                    .containsExactlyInAnyOrder(Capability.SYS_ADMIN, Capability.SYS_PTRACE);
            Recording r = app.awaitExit(ContainerRuns.TIMEOUT);
            assertThat(r.exitStatus()).as("output: %s", app.getWorkloadOutput()).contains(0);
            assertThat(r.lostEvents()).isZero();
            Oracle oracle = new Oracle(app.copyFileFromContainer("/tmp/oracle.json", in -> new ObjectMapper().readTree(in)));

            assertThat(r.python().executable()).isEqualTo("/usr/bin/python3.11");
            assertThat(r.python().attachedAfterNanos()).as("gated: traced from the first bytecode").isEmpty();
            assertSameGc("whole run", r.gc(), oracle.gcStats());
            assertSameGc("window 'work'", r.window("work").orElseThrow().sections().gc(), oracle.window("work").path("gc"));
            assertThat(RecordedCounts.audit(r.window("work").orElseThrow().sections()))
                    .isEqualTo(Oracle.counts(oracle.window("work"), "audit"));
        }
    }
}

package dev.pybudget.junit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pybudget.container.PythonImage;
import dev.pybudget.container.PythonWorkloadContainer;
import dev.pybudget.junit.ChildLauncher.ChildRun;
import dev.pybudget.junit.ChildLauncher.Outcome;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.opentest4j.TestAbortedException;
import org.testcontainers.DockerClientFactory;

/**
 * Without a Docker engine a container budget test must fail, with one sentence saying so and how to
 * fix it; skipping is an explicit opt-in. "No Docker" is real for the child JVM that runs the small
 * test classes below: it runs in its own mount namespace where the Docker socket is /dev/null
 * (unshare + a bind mount, as root; the host's socket is untouched) and without DOCKER_HOST, so
 * every strategy Testcontainers tries finds nothing.
 */
class NoDockerTest {

    static final String SENTENCE = "No Docker engine could be reached, so the workload container cannot start: start one"
            + " (on Debian, sudo bash ci/setup-engine.sh) or point DOCKER_HOST at one.";

    /** Runs {@code java ...} with /run/docker.sock (and so /var/run/docker.sock) replaced by /dev/null. */
    static final List<String> WITHOUT_DOCKER = List.of("env", "-u", "DOCKER_HOST", "unshare", "--mount",
            "--propagation", "private", "--", "sh", "-c",
            "if [ -e /run/docker.sock ]; then mount --bind /dev/null /run/docker.sock || exit 97; fi; exec \"$@\"", "sh");

    @Test
    void should_fail_a_container_test_with_one_sentence_when_docker_is_missing() {
        assertThat(DockerClientFactory.instance().isDockerAvailable()).as("Docker, for this JVM").isTrue();

        ChildRun run = ChildLauncher.run(WITHOUT_DOCKER, Duration.ofMinutes(2), NeedsDocker.class);

        assertThat(run.exitCode()).as("the child JVM; its output:%n%s", run.output()).isZero();
        assertThat(run.of("class")).as("the class's outcome; the child's output:%n%s", run.output()).singleElement()
                .satisfies(c -> {
                    assertThat(c.status()).isEqualTo("FAILED");
                    assertThat(c.exception()).isEqualTo(ExtensionConfigurationException.class.getName());
                    assertThat(c.message()).isEqualTo(SENTENCE);
                });
        assertThat(run.of("test")).as("no test ran, none passed").noneMatch(o -> o.status().equals("SUCCESSFUL"));
    }

    @Test
    void should_skip_instead_when_the_class_opts_in_with_disabled_without_docker() {
        ChildRun run = ChildLauncher.run(WITHOUT_DOCKER, Duration.ofMinutes(2), SkipsWithoutDocker.class);

        assertThat(run.exitCode()).as("the child JVM; its output:%n%s", run.output()).isZero();
        assertThat(run.of("class")).as("the class's outcome; the child's output:%n%s", run.output()).singleElement()
                .satisfies(c -> {
                    assertThat(c.status()).isEqualTo("ABORTED");
                    assertThat(c.exception()).isEqualTo(TestAbortedException.class.getName());
                    assertThat(c.message()).isEqualTo(SENTENCE + " Skipped: @PythonPerfTest(disabledWithoutDocker = true).");
                });
        assertThat(run.of("test")).extracting(Outcome::status).doesNotContain("SUCCESSFUL", "FAILED");
    }

    @PythonPerfTest
    static class NeedsDocker {
        @Workload
        static PythonWorkloadContainer app = new PythonWorkloadContainer(PythonImage.CPYTHON_3_11)
                .withCommand("python3", "-c", "import time; time.sleep(60)");

        @Test
        void should_run() {
            assertThat(app.isRunning()).isTrue();
        }
    }

    @PythonPerfTest(disabledWithoutDocker = true)
    static class SkipsWithoutDocker {
        @Workload
        static PythonWorkloadContainer app = new PythonWorkloadContainer(PythonImage.CPYTHON_3_11)
                .withCommand("python3", "-c", "import time; time.sleep(60)");

        @Test
        void should_run() {
            assertThat(app.isRunning()).isTrue();
        }
    }
}

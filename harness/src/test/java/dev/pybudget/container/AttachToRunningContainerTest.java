package dev.pybudget.container;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.model.Capability;
import dev.pybudget.recording.Recording;
import dev.pybudget.recording.Sections;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.MountableFile;
import dev.pybudget.support.PythonFixtures;

/**
 * A service the user already started with Testcontainers, as a plain GenericContainer of an image with a
 * CPython that has markers, running as a non-root user: pybudget attaches to it with no gate and no change to
 * the container, windows (from Python marks and from Java) are exact from then on, the recording says how long
 * after the process's start it was attached, and detaching leaves the service running.
 */
class AttachToRunningContainerTest {

    @Test
    void should_attach_to_a_running_service_and_count_every_request_exactly_from_then_on() throws Exception {
        try (GenericContainer<?> service = new GenericContainer<>(PythonImage.CPYTHON_3_11.future())
                .withCopyFileToContainer(MountableFile.forHostPath(fixture()), "/srv/service.py")
                .withCommand("python3", "/srv/service.py", "8000")
                .withCreateContainerCmdModifier(cmd -> cmd.withUser("1000:1000").getHostConfig().withCapDrop(Capability.ALL))
                .withExposedPorts(8000)
                .waitingFor(Wait.forHttp("/health").forPort(8000))) {
            service.start();
            Thread.sleep(500); // the service runs a while untraced: the recording must say so
            long before = System.nanoTime();
            String agentId;
            try (PythonProbes probes = PythonProbes.attach(service)) {
                System.out.printf("attach to a running container: %d ms%n", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - before));
                agentId = probes.getAgentContainer().getContainerId();
                assertThat(DockerClientFactory.instance().client().inspectContainerCmd(agentId).exec().getHostConfig().getCapAdd())
                        .as("attaching, the agent holds CAP_SYS_PTRACE too")
                        .containsExactlyInAnyOrder(Capability.SYS_ADMIN, Capability.SYS_PTRACE);

                Recording first = probes.record("first", () -> get(service, "/work"));
                Recording three = probes.record("three", () -> {
                    for (int i = 0; i < 3; i++) {
                        get(service, "/work");
                    }
                });
                assertThat(first.python().attachedAfterNanos()).as("attached to a process that ran before").isPresent();
                assertThat(first.python().attachedAfterNanos().getAsLong()).isGreaterThan(500_000_000L);
                assertThat(first.python().executable()).isEqualTo("/usr/bin/python3.11");

                Sections firstRequest = first.window("request").orElseThrow().sections();
                assertThat(firstRequest.auditCount("pybudget.begin")).isEqualTo(1);
                assertThat(firstRequest.auditCount("service.work")).isEqualTo(1);
                assertThat(firstRequest.allImports()).as("the lazy import of the first request after the attach")
                        .extracting(i -> i.module()).contains("colorsys", "fractions");
                assertThat(first.window("first").orElseThrow().sections().auditCount("service.work")).isEqualTo(1);

                Sections threeJava = three.window("three").orElseThrow().sections();
                Sections threePython = three.window("request").orElseThrow().sections();
                assertThat(threeJava.auditCount("service.work")).as("three requests in the Java window").isEqualTo(3);
                assertThat(threePython.auditCount("service.work")).as("three request windows from Python marks").isEqualTo(3);
                assertThat(threePython.auditCount("pybudget.begin")).isEqualTo(3);
                assertThat(threePython.importCount()).as("imported once, by the first request").isZero();
                assertThat(three.lostEvents()).isZero();
                assertThat(probes.snapshot().whole().auditCount("service.work")).as("nothing from before the attach").isEqualTo(4);
            }
            assertThat(catchRemoved(agentId)).as("the agent's container is removed on close").isTrue();
            assertThat(get(service, "/work")).as("the service runs on, untraced").isEqualTo("done\n");
        }
    }

    @Test
    void should_attach_by_container_name_as_the_command_line_does() {
        try (GenericContainer<?> service = new GenericContainer<>(PythonImage.CPYTHON_3_11.future())
                .withCopyFileToContainer(MountableFile.forHostPath(fixture()), "/srv/service.py")
                .withCommand("python3", "/srv/service.py", "8000")
                .withExposedPorts(8000)
                .waitingFor(Wait.forHttp("/health").forPort(8000))) {
            service.start();
            String name = service.getContainerInfo().getName().replaceFirst("^/", "");
            try (PythonProbes probes = PythonProbes.attachToContainer(name, java.util.Optional.of("/srv/service.py:work"))) {
                Recording r = probes.record("two", () -> {
                    get(service, "/work");
                    get(service, "/work");
                });
                assertThat(r.window("two").orElseThrow().sections().auditCount("service.work")).isEqualTo(2);
                assertThat(r.window("two").orElseThrow().sections().calls("/srv/service.py", "work")).isEqualTo(2);
                assertThat(r.python().attachedAfterNanos()).isPresent();
            }
        }
    }

    private static boolean catchRemoved(String id) {
        try {
            DockerClientFactory.instance().client().inspectContainerCmd(id).exec();
            return false;
        } catch (com.github.dockerjava.api.exception.NotFoundException e) {
            return true;
        }
    }

    private static java.nio.file.Path fixture() {
        return PythonFixtures.workload("reliability/service.py");
    }

    private static String get(GenericContainer<?> c, String path) {
        try {
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://" + c.getHost() + ":"
                    + c.getMappedPort(8000) + path)).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            return r.body();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}

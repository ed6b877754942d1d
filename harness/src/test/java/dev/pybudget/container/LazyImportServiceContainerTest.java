package dev.pybudget.container;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pybudget.junit.PythonPerfTest;
import dev.pybudget.junit.Recorder;
import dev.pybudget.junit.Workload;
import dev.pybudget.recording.ImportNode;
import dev.pybudget.recording.Recording;
import dev.pybudget.recording.Sections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.wait.strategy.Wait;
import dev.pybudget.support.ContainerRuns;
import dev.pybudget.support.PythonFixtures;

/**
 * The seed problem: a service whose first request pays for a lazy import. The service marks each
 * /checkout as the window "request" from Python (sys.audit); the test wraps each GET in a Java window.
 */
@PythonPerfTest
class LazyImportServiceContainerTest {

    @Workload
    static PythonWorkloadContainer app = service();

    /** The documented fix: pricing imported at start-up. */
    @Workload
    static PythonWorkloadContainer warm = service().withCommand("python3", "server.py", "8000", "--warm");

    static PythonWorkloadContainer service() {
        return new PythonWorkloadContainer(PythonImage.CPYTHON_3_11)
                .withFixture(PythonFixtures.workload("lazy_import_service").toString())
                .withCommand("python3", "server.py", "8000")
                .withExposedPorts(8000)
                .waitingFor(Wait.forHttp("/health").forPort(8000));
    }

    @Test
    void should_show_the_first_requests_import_tree_with_durations_and_an_empty_second(Recorder recorder) {
        Recorder cold = recorder.of(app);
        Recording first = cold.record("first", () -> ContainerRuns.get(app, 8000, "/checkout"));
        Recording second = cold.record("second", () -> ContainerRuns.get(app, 8000, "/checkout"));

        Sections firstRequest = first.window("request").orElseThrow().sections();
        assertThat(firstRequest.imports()).extracting(ImportNode::module).as("the request's top-level imports")
                .startsWith("pricing");
        ImportNode pricing = firstRequest.imports().get(0);
        assertThat(firstRequest.allImports()).extracting(ImportNode::module)
                .contains("decimal", "csv", "statistics", "xml.etree.ElementTree").doesNotHaveDuplicates();
        assertThat(firstRequest.importCount()).as("the exact count vs the tree").isEqualTo(firstRequest.allImports().size())
                .isGreaterThan(10);
        // A tree with times, as -X importtime shows it: cumulative durations hold their children.
        assertThat(firstRequest.allImports()).allSatisfy(i -> {
            assertThat(i.durationNanos()).as("duration of %s", i.module()).isPositive();
            assertThat(i.selfNanos()).as("self time of %s", i.module()).isNotNegative();
            assertThat(i.found()).as("%s found", i.module()).isTrue();
        });
        assertThat(pricing.children()).extracting(ImportNode::module).contains("decimal");
        assertThat(pricing.durationNanos()).isGreaterThanOrEqualTo(
                pricing.children().stream().mapToLong(ImportNode::durationNanos).sum());
        // All on the handler thread that marked the window.
        assertThat(firstRequest.allImports()).extracting(ImportNode::thread).containsOnly(pricing.thread());
        assertThat(first.lostEvents()).isZero();
        // The Java window around the GET holds the same tree.
        assertThat(first.window("first").orElseThrow().sections().allImports()).extracting(ImportNode::module)
                .isEqualTo(firstRequest.allImports().stream().map(ImportNode::module).toList());

        Sections secondRequest = second.window("request").orElseThrow().sections();
        assertThat(secondRequest.importCount()).isZero();
        assertThat(secondRequest.imports()).isEmpty();
        assertThat(secondRequest.auditCount("pybudget.begin")).as("the second request did run").isEqualTo(1);
        assertThat(second.window("second").orElseThrow().sections().importCount()).isZero();
    }

    @Test
    void should_import_nothing_in_any_request_when_started_with_warm(Recorder recorder) {
        Recorder fixed = recorder.of(warm);
        List<Recording> requests = List.of(
                fixed.record("get", () -> ContainerRuns.get(warm, 8000, "/checkout")),
                fixed.record("get", () -> ContainerRuns.get(warm, 8000, "/checkout?skus=SKU-0001")));

        for (Recording r : requests) {
            Sections request = r.window("request").orElseThrow().sections();
            assertThat(request.auditCount("pybudget.begin")).as("the request ran").isEqualTo(1);
            assertThat(request.importCount()).isZero();
            assertThat(r.window("get").orElseThrow().sections().importCount()).isZero();
        }
        // pricing was imported at start-up, before the first request.
        assertThat(warm.snapshot().whole().allImports()).extracting(ImportNode::module).contains("pricing", "decimal");
    }
}

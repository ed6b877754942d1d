package dev.pybudget.assertions;

import static dev.pybudget.assertions.PyBudgetAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.pybudget.engine.Trace;
import dev.pybudget.engine.TraceOptions;
import dev.pybudget.engine.Tracer;
import dev.pybudget.recording.Recording;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import dev.pybudget.support.Pythons;
import dev.pybudget.support.PythonFixtures;

/**
 * The lazy-import service: its first /checkout imports the pricing stack inside the window "request",
 * its second imports nothing. Each request is read on its own with Recording.since, because the
 * window's name repeats and a repeated name adds up.
 */
class LazyImportServiceTest {

    @TempDir
    Path dir;

    @Test
    void no_imports_should_fail_on_the_first_request_naming_the_modules_and_pass_on_the_second() throws Exception {
        Path stdout = dir.resolve("server.out");
        ProcessBuilder server = new ProcessBuilder(Pythons.DEBIAN.toString(), "server.py", "0")
                .directory(PythonFixtures.WORKLOADS.resolve("lazy_import_service").toFile())
                .redirectOutput(stdout.toFile()).redirectError(ProcessBuilder.Redirect.INHERIT);
        try (Trace trace = Tracer.start(server, TraceOptions.defaults())) {
            URI checkout = URI.create("http://127.0.0.1:" + port(stdout) + "/checkout");
            HttpClient http = HttpClient.newHttpClient();

            Recording beforeFirst = trace.snapshot();
            assertThat(http.send(HttpRequest.newBuilder(checkout).build(), HttpResponse.BodyHandlers.ofString()).statusCode())
                    .isEqualTo(200);
            Recording first = trace.snapshot().since(beforeFirst);
            Recording beforeSecond = trace.snapshot();
            http.send(HttpRequest.newBuilder(checkout).build(), HttpResponse.BodyHandlers.ofString());
            Recording second = trace.snapshot().since(beforeSecond);

            assertThat(second).window("request").imports().isEmpty();
            Throwable failure = catchThrowable(() -> assertThat(first).window("request").imports().isEmpty());
            long imported = first.window("request").orElseThrow().sections().importCount();
            assertThat(failure).isExactlyInstanceOf(AssertionError.class);
            assertThat(FixtureBudgetsTest.times(failure.getMessage()))
                    .startsWith("Expected no imports in window 'request', but " + imported + " modules were imported (<t>):\n"
                            + "  pricing <t>\n"
                            + "  ├─ csv <t>\n")
                    .contains("\n  ├─ decimal <t>\n", "\n  ├─ email.mime.multipart <t>\n", "\n  ├─ statistics <t>\n");
            assertThat(imported).isGreaterThan(20);
        }
    }

    /** The port the server printed ("listening on PORT"), waiting for it up to 20 s. */
    private static int port(Path stdout) throws Exception {
        Pattern listening = Pattern.compile("listening on (\\d+)");
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            Matcher m = listening.matcher(Files.exists(stdout) ? Files.readString(stdout) : "");
            if (m.find()) {
                return Integer.parseInt(m.group(1));
            }
            Thread.sleep(50);
        }
        throw new AssertionError("server.py did not print 'listening on PORT' within 20 s");
    }
}

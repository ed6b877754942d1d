package dev.pybudget.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import dev.pybudget.support.Pythons;
import dev.pybudget.support.PythonFixtures;

/** trace --calls-by: the same calls counted either way, the recording saying which; pyenv's CPython, calls only. */
class CallsByTest {

    static final String PYENV_313 = "/root/.pyenv/versions/3.13.0/bin/python3.13";

    @TempDir
    Path tmp;

    @Test
    void should_count_the_same_calls_in_process_and_with_the_probe() throws Exception {
        Map<String, JsonNode> json = new TreeMap<>();
        for (String how : new String[] {"usdt", "monitoring"}) {
            Path file = tmp.resolve(how + ".json");
            CliRun run = CliRun.run("trace", "--json", file.toString(), "--calls", "*/call_parser.py:*", "--calls-by", how, "--",
                    Pythons.debian().toString(), PythonFixtures.workload("call_parser.py").toString());
            assertThat(run.status()).as("stderr: %s", run.err()).isZero();
            assertThat(run.out()).contains("calls:" + how);
            json.put(how, new ObjectMapper().readTree(file.toFile()));
        }

        assertThat(calls(json.get("monitoring"))).isEqualTo(calls(json.get("usdt"))).isNotEmpty();
        assertThat(json.get("monitoring").path("probes").toString()).contains("calls:monitoring").doesNotContain("function__return");
    }

    @Test
    void should_count_calls_alone_on_a_cpython_without_markers_and_say_what_is_missing() throws Exception {
        Path file = tmp.resolve("pyenv.json");
        CliRun run = CliRun.run("trace", "--json", file.toString(), "--calls", "*/call_parser.py:parse_*", "--", PYENV_313,
                PythonFixtures.workload("call_parser.py").toString());

        assertThat(run.status()).as("stderr: %s", run.err()).isZero();
        assertThat(run.out()).contains("calls:monitoring; missing in this CPython: import__find__load__start",
                "Imports: not measured (no import__find__load__start probe)").doesNotContain("Imports: 0");
        JsonNode recording = new ObjectMapper().readTree(file.toFile());
        assertThat(recording.path("probes").toString()).contains("\"calls:monitoring\"", "gc:symbol");
        assertThat(recording.path("missingProbes").toString()).contains("import__find__load__start");
        assertThat(recording.path("missingProbesReason").asText()).contains("has no USDT markers");
        assertThat(calls(recording)).containsKeys(PythonFixtures.WORKLOADS + "/call_parser.py:parse_expr")
                .allSatisfy((name, n) -> assertThat(name).contains(":parse_"));
    }

    @Test
    void should_refuse_an_unknown_way_to_count_calls_in_one_sentence() {
        CliRun run = CliRun.run("trace", "--calls", "*:*", "--calls-by", "ebpf", "--", "python3", "app.py");

        assertThat(run.status()).isEqualTo(2);
        assertThat(run.errLines()).containsExactly("pybudget: Unknown way to count calls 'ebpf': expected usdt, monitoring or auto.");
    }

    private static Map<String, Long> calls(JsonNode recording) {
        Map<String, Long> calls = new TreeMap<>();
        recording.path("calls").forEach(c -> calls.put(c.path("file").asText() + ":" + c.path("function").asText(),
                c.path("count").asLong()));
        return calls;
    }
}

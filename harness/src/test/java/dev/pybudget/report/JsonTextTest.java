package dev.pybudget.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pybudget.engine.TraceOptions;
import dev.pybudget.recording.Recording;
import dev.pybudget.support.LocalRuns;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The reports' JSON is written without an ObjectMapper (JsonText says why): it must be the text one writes. */
class JsonTextTest {

    private static final ObjectMapper INDENTED = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @TempDir
    Path tmp;

    @Test
    void should_write_every_kind_of_node_as_an_indenting_object_mapper_does() throws Exception {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        root.put("int", 1).put("long", 1L << 40).put("negative", -7L).put("double", 0.1 + 0.2).put("small", 1e-9)
                .put("float", 1.5f).put("big", new BigInteger("123456789012345678901234567890"))
                .put("decimal", new BigDecimal("1.50")).put("true", true).put("false", false).putNull("null")
                .put("text", "a \"quoted\" line\nwith a tab\t, é, µs and \u0001");
        root.putArray("empty");
        root.putObject("nothing");
        root.putArray("mixed").add(1).add("two").addNull().addObject().put("k", 3).putArray("inner").add(4.25);

        assertThat(JsonText.of(root)).isEqualTo(INDENTED.writeValueAsString(root));
    }

    @Test
    void should_write_a_recording_s_report_as_an_indenting_object_mapper_does() throws Exception {
        Recording recording = LocalRuns.traceWithOracle(tmp, TraceOptions.defaults().withCallPattern("*/gc_churn.py:*"),
                "gc_churn.py", "60").recording();
        Path file = tmp.resolve("report.json");

        JsonReport.write(recording, file);

        String expected = INDENTED.writeValueAsString(JsonReport.toJson(recording));
        assertThat(JsonReport.toString(recording)).isEqualTo(expected);
        assertThat(Files.readString(file)).isEqualTo(expected);
        assertThat(expected).contains("\"windows\" : [ {", "\"calls\" : [ {");
    }
}

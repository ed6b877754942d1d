package dev.pybudget.report;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Map;

/**
 * A report's JSON tree as text, indented, character for character what an ObjectMapper with INDENT_OUTPUT writes
 * (JsonTextTest). Written with jackson-core's generator, without an ObjectMapper: a fresh JVM's first ObjectMapper
 * costs 0.3-0.9 s here (about 450 classes, and the JDK's locale data its default date format loads), which
 * {@code trace --json} paid after the workload's last line.
 */
final class JsonText {
    private JsonText() {}

    private static final JsonFactory FACTORY = new JsonFactory();

    static String of(JsonNode tree) {
        StringWriter text = new StringWriter();
        try (JsonGenerator json = FACTORY.createGenerator(text).useDefaultPrettyPrinter()) {
            write(tree, json);
        } catch (IOException e) {
            throw new IllegalStateException(e); // a StringWriter does not fail
        }
        return text.toString();
    }

    static void write(JsonNode tree, Path file) throws IOException {
        try (JsonGenerator json = FACTORY.createGenerator(file.toFile(), JsonEncoding.UTF8).useDefaultPrettyPrinter()) {
            write(tree, json);
        }
    }

    private static void write(JsonNode node, JsonGenerator json) throws IOException {
        switch (node.getNodeType()) {
            case OBJECT -> {
                json.writeStartObject();
                for (Map.Entry<String, JsonNode> field : node.properties()) {
                    json.writeFieldName(field.getKey());
                    write(field.getValue(), json);
                }
                json.writeEndObject();
            }
            case ARRAY -> {
                json.writeStartArray();
                for (JsonNode element : node) {
                    write(element, json);
                }
                json.writeEndArray();
            }
            case STRING -> json.writeString(node.textValue());
            case NUMBER -> {
                switch (node.numberType()) {
                    case INT -> json.writeNumber(node.intValue());
                    case LONG -> json.writeNumber(node.longValue());
                    case BIG_INTEGER -> json.writeNumber(node.bigIntegerValue());
                    case FLOAT -> json.writeNumber(node.floatValue());
                    case DOUBLE -> json.writeNumber(node.doubleValue());
                    case BIG_DECIMAL -> json.writeNumber(node.decimalValue());
                }
            }
            case BOOLEAN -> json.writeBoolean(node.booleanValue());
            case NULL -> json.writeNull();
            default -> throw new IllegalArgumentException("A report's JSON holds no " + node.getNodeType() + " node.");
        }
    }
}

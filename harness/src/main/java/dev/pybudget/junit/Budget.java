package dev.pybudget.junit;

import dev.pybudget.assertions.BudgetCheck;
import dev.pybudget.assertions.RecordingScope;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;

/**
 * A budget from an annotation, ready to check on a scope.
 *
 * @param annotation the annotation as one writes it, "@GcBudget(generation = 2, max = 0, window = \"request\")"
 * @param window     the window it is about; "" for the whole test
 */
record Budget(String annotation, String window, Function<RecordingScope, BudgetCheck> check) {

    /** "@GcBudget(generation = 2, max = 0, window = \"request\")": the annotation as one writes it. */
    static String label(String annotation, String window, String... values) {
        List<String> parts = new ArrayList<>();
        for (String v : values) {
            if (!v.isEmpty()) {
                parts.add(v);
            }
        }
        if (!window.isEmpty()) {
            parts.add("window = \"" + window + "\"");
        }
        return "@" + annotation + (parts.isEmpty() ? "" : "(" + String.join(", ", parts) + ")");
    }

    /** {"a", "b"} as written in an annotation; "" for none. */
    static String quoted(String[] values) {
        String listed = java.util.Arrays.stream(values).map(v -> "\"" + v + "\"").collect(Collectors.joining(", "));
        return values.length == 1 ? listed : values.length == 0 ? "" : "{" + listed + "}";
    }

    /** An annotation whose values make no budget: the test fails before it runs, with this sentence. */
    static ExtensionConfigurationException invalid(String sentence) {
        return new ExtensionConfigurationException(sentence);
    }
}

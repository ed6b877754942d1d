package dev.pybudget.engine;

import java.nio.charset.StandardCharsets;

/**
 * A call pattern {@code FILE_GLOB:FUNCTION_GLOB}, e.g. {@code *}{@code /app.py:parse*}, split at the last
 * colon (function names have none). The kernel matches each half with '*' (any run) and '?' (one byte).
 */
public record CallPattern(String fileGlob, String functionGlob) {

    public static CallPattern parse(String pattern) {
        if (pattern == null || pattern.isBlank()) {
            throw new IllegalArgumentException("Malformed call pattern '': expected FILE_GLOB:FUNCTION_GLOB, e.g. '*/app.py:parse'.");
        }
        int colon = pattern.lastIndexOf(':');
        if (colon <= 0 || colon == pattern.length() - 1) {
            throw new IllegalArgumentException("Malformed call pattern '" + pattern
                    + "': expected FILE_GLOB:FUNCTION_GLOB, e.g. '*/app.py:parse' or '*:*'.");
        }
        CallPattern parsed = new CallPattern(pattern.substring(0, colon), pattern.substring(colon + 1));
        for (String half : new String[] {parsed.fileGlob, parsed.functionGlob}) {
            if (half.getBytes(StandardCharsets.UTF_8).length >= Layout.PATTERN_LEN) {
                throw new IllegalArgumentException("Malformed call pattern '" + pattern + "': each side of the colon may have at most "
                        + (Layout.PATTERN_LEN - 1) + " bytes.");
            }
            if (half.chars().anyMatch(c -> c == '[' || c == ']' || c == '\\' || c == '{' || c == '}')) {
                throw new IllegalArgumentException("Malformed call pattern '" + pattern
                        + "': only the wildcards '*' and '?' are supported.");
            }
        }
        return parsed;
    }

    public String text() {
        return fileGlob + ":" + functionGlob;
    }
}

package dev.pybudget.recording;

import java.util.Locale;

/** The reports' numbers as text: the same digits, point and separators whatever the JVM's default locale. */
public final class ReportText {
    private ReportText() {}

    /**
     * {@code String.format} in {@link Locale#US}. Not {@link Locale#ROOT}, which writes the same digits, point and
     * grouping comma: java.util.Formatter knows US's without loading the JDK's locale data, which costs a cold JVM
     * 40-50 ms (the command line's report, written once per process).
     */
    public static String format(String pattern, Object... args) {
        return String.format(Locale.US, pattern, args);
    }

    /** "1.500 ms". */
    public static String millis(long nanos) {
        return format("%.3f ms", nanos / 1e6);
    }
}

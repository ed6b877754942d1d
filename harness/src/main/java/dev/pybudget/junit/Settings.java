package dev.pybudget.junit;

import java.util.Optional;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A setting a user makes for a project: a JUnit configuration parameter (e.g. in
 * {@code src/test/resources/junit-platform.properties}), which a system property of the same
 * name overrides for one run ({@code -Dpybudget.reportDir=...}).
 */
final class Settings {
    private Settings() {}

    /** Where recordings, traces and the summary go: {@code pybudget.reportDir}, default target/pybudget. */
    static final String REPORT_DIR = "pybudget.reportDir";

    static Optional<String> get(ExtensionContext context, String key) {
        String property = System.getProperty(key);
        return property != null ? Optional.of(property) : context.getConfigurationParameter(key);
    }
}

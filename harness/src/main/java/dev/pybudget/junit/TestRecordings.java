package dev.pybudget.junit;

import dev.pybudget.recording.Recording;
import java.util.Optional;
import org.junit.jupiter.api.extension.ExtensionContext;

/** What a test recorded, for other extensions (budget checks, reports) that run after it. */
public final class TestRecordings {
    private TestRecordings() {}

    static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(PythonPerfExtension.class);
    static final String KEY = "recording";

    /** The recording of the test in {@code context}, once the test has run; empty before or without a workload. */
    public static Optional<Recording> of(ExtensionContext context) {
        return Optional.ofNullable(context.getStore(NAMESPACE).get(KEY, Recording.class));
    }
}

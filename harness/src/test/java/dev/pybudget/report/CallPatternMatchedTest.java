package dev.pybudget.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pybudget.engine.Trace;
import dev.pybudget.engine.TraceOptions;
import dev.pybudget.engine.Tracer;
import dev.pybudget.recording.Recording;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a call pattern matched, against the interpreter's own oracle: sys.setprofile sees every Python call in the
 * same process, and fnmatch applies the same glob to co_filename and co_name. The classic surprise: a pattern
 * for the service's server.py also matches the standard library's http/server.py.
 */
class CallPatternMatchedTest {

    /** Records every Python function called from its first line on, then prints those the glob matches. */
    private static final String SCRIPT = """
            import sys
            seen = set()
            def profile(frame, event, arg):
                if event == "call":
                    seen.add((frame.f_code.co_filename, frame.f_code.co_name))
            sys.setprofile(profile)
            import http.server
            def handle(n):
                return n * 2
            total = sum(handle(i) for i in range(3))
            sys.setprofile(None)
            import fnmatch
            file_glob, _, func_glob = sys.argv[1].rpartition(":")
            # This module's own code object started before the profile was set, and the profile function is
            # not reported to itself; both return, so the kernel counts them too.
            seen.add((__file__, "<module>"))
            seen.add((__file__, "profile"))
            with open(sys.argv[2], "w") as out:
                for f, fn in sorted(seen):
                    if fnmatch.fnmatchcase(f, file_glob) and fnmatch.fnmatchcase(fn, func_glob):
                        out.write(f + ":" + fn + "\\n")
            """;

    @TempDir
    Path dir;

    private List<String> matchedByOracle(Recording r, Path oracle) throws Exception {
        assertThat(r.exitStatus()).contains(0);
        return Files.readAllLines(oracle);
    }

    private Recording trace(String pattern, Path oracle) throws Exception {
        Path script = Files.createDirectories(dir.resolve("myapp")).resolve("server.py");
        Files.writeString(script, SCRIPT);
        ProcessBuilder pb = new ProcessBuilder("/usr/bin/python3.11", script.toString(), pattern, oracle.toString())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.INHERIT);
        try (Trace trace = Tracer.start(pb, TraceOptions.defaults().withCallPattern(pattern))) {
            return trace.finish();
        }
    }

    @Test
    void a_loose_pattern_should_show_that_it_matched_the_standard_library_too() throws Exception {
        Path oracle = dir.resolve("loose.txt");
        Recording r = trace("*/server.py:*", oracle);

        assertThat(r.losses().calls()).isZero();
        assertThat(r.callPatternMatched()).isEqualTo(matchedByOracle(r, oracle))
                .contains(dir.resolve("myapp/server.py") + ":handle", "/usr/lib/python3.11/http/server.py:<module>");
        assertThat(TextReport.render(r)).contains("call pattern '*/server.py:*' matched " + r.callPatternMatched().size()
                + " functions in 2 files:").contains("  /usr/lib/python3.11/http/server.py: ");
        assertThat(JsonReport.toJson(r).path("callPatternMatched").size()).isEqualTo(r.callPatternMatched().size());
    }

    @Test
    void a_pattern_anchored_to_the_workload_directory_should_match_only_its_functions() throws Exception {
        Path oracle = dir.resolve("anchored.txt");
        Recording r = trace("*/myapp/*.py:*", oracle);

        String file = dir.resolve("myapp/server.py").toString();
        assertThat(r.callPatternMatched()).isEqualTo(matchedByOracle(r, oracle))
                .containsExactly(file + ":<genexpr>", file + ":<module>", file + ":handle", file + ":profile");
        assertThat(TextReport.render(r)).contains("call pattern '*/myapp/*.py:*' matched 4 functions in 1 file:\n  " + file
                + ": <genexpr>, <module>, handle, profile\n");
    }
}

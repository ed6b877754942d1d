package dev.pybudget.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pybudget.recording.ImportNode;
import dev.pybudget.recording.Losses;
import dev.pybudget.recording.Recording;
import dev.pybudget.recording.Sections;
import dev.pybudget.recording.Window;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import dev.pybudget.support.Oracle;
import dev.pybudget.support.LocalRuns;
import dev.pybudget.support.CountComparisons;

/**
 * threads_imports.py: five threads import their own modules and collect at the same time, each in
 * its own window. Every import and collection lands in the window of the thread that ran it, the
 * import tree names that thread, and every count equals the oracle's.
 */
class ThreadsTest {

    @TempDir
    Path tmp;

    @Test
    void should_attribute_imports_and_collections_on_concurrent_threads_to_their_thread_and_window() throws Exception {
        int threads = 4, modules = 15;
        Path oracleFile = tmp.resolve("oracle.json");
        Recording r;
        String out;
        try (LocalRuns.Run run = LocalRuns.start(tmp, LocalRuns.options(), Map.of("PYBUDGET_ORACLE", oracleFile.toString()),
                "reliability/threads_imports.py", String.valueOf(threads), String.valueOf(modules))) {
            r = run.trace().finish();
            out = run.out();
            assertThat(r.exitStatus()).as("stderr: %s", run.err()).contains(0);
        }
        Oracle oracle = Oracle.read(oracleFile);
        Map<String, Long> tids = new TreeMap<>();
        out.lines().filter(l -> l.startsWith("thread ")).forEach(l -> {
            String[] f = l.split(" ");
            tids.put(f[1], Long.parseLong(f[3]));
        });
        List<String> names = new ArrayList<>(IntStream.range(0, threads).mapToObj(k -> "t-" + k).toList());
        names.add("main");
        assertThat(tids).containsOnlyKeys(names);
        assertThat(r.losses()).isEqualTo(Losses.NONE);
        assertThat(r.windows()).extracting(Window::name).containsExactlyInAnyOrderElementsOf(names);

        long collections = 0;
        for (String name : names) {
            String prefix = name.equals("main") ? "main" : "t" + name.substring(2);
            Sections w = r.window(name).map(Window::sections).orElseThrow();
            CountComparisons.assertSameWindow(name, w, oracle.window(name));
            assertThat(w.allImports()).as("window %s: its own modules, all imported on its thread", name)
                    .hasSize(modules)
                    .allSatisfy(i -> assertThat(i.module()).startsWith(prefix + "_mod_"))
                    .allSatisfy(i -> assertThat(i.thread()).as("thread of %s", i.module()).isEqualTo(tids.get(name)));
            collections += w.gc().totalCollections();
        }
        for (ImportNode i : r.whole().allImports()) {
            String prefix = i.module().contains("_mod_") ? i.module().substring(0, i.module().indexOf("_mod_")) : null;
            if (prefix != null) {
                String window = prefix.equals("main") ? "main" : "t-" + prefix.substring(1);
                assertThat(i.thread()).as("the whole run's tree: thread of %s", i.module()).isEqualTo(tids.get(window));
            }
        }
        System.out.printf("threads: %d windows, %d collections in them, per window %s%n", names.size(), collections,
                names.stream().map(n -> n + "=" + r.window(n).orElseThrow().sections().gc().collections()).toList());
        CountComparisons.assertSameGc("whole run (gc.get_stats)", r.gc(), oracle.root().path("gcStats"));
    }
}

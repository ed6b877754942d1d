package dev.pybudget.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.pybudget.recording.Loss;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The C/Java layout contract: {@link Layout} and {@link Loss} repeat bpf/pybudget.h by hand, so a C
 * compiler prints every size, offset and enum value of the header, and each must equal its Java twin.
 * A field added to a struct, a reordered enum or a changed limit fails here, naming the constant.
 */
class LayoutContractTest {

    static final Path HEADER = Path.of("..", "bpf", "pybudget.h").toAbsolutePath().normalize();

    /** Java's side: constant name -> value, named as the C expressions below. */
    static Map<String, Long> javaSide() {
        Map<String, Long> java = new LinkedHashMap<>();
        java.put("MAX_SLOTS", (long) Layout.MAX_SLOTS);
        java.put("PY_SLOT_LAST", (long) Layout.PY_SLOT_LAST);
        java.put("JAVA_SLOT_FIRST", (long) Layout.JAVA_SLOT_FIRST);
        java.put("MAX_JAVA_OPEN", (long) Layout.MAX_JAVA_OPEN);
        java.put("MAX_SCOPES", (long) Layout.MAX_SCOPES);
        java.put("HIST_BUCKETS", (long) Layout.HIST_BUCKETS);
        java.put("NAME_LEN", (long) Layout.NAME_LEN);
        java.put("WINDOW_NAME_LEN", (long) Layout.WINDOW_NAME_LEN);
        java.put("AUDIT_NAME_LEN", (long) Layout.AUDIT_NAME_LEN);
        java.put("FILE_LEN", (long) Layout.FILE_LEN);
        java.put("FUNC_LEN", (long) Layout.FUNC_LEN);
        java.put("PATTERN_LEN", (long) Layout.PATTERN_LEN);
        java.put("STATS_SIZE", (long) Layout.STATS_SIZE);
        java.put("STATS_GC_COLLECTIONS", (long) Layout.STATS_GC_COLLECTIONS);
        java.put("STATS_GC_COLLECTED", (long) Layout.STATS_GC_COLLECTED);
        java.put("STATS_GC_PAUSE_COUNT", (long) Layout.STATS_GC_PAUSE_COUNT);
        java.put("STATS_GC_PAUSE_MAX", (long) Layout.STATS_GC_PAUSE_MAX);
        java.put("STATS_GC_PAUSE_TOTAL", (long) Layout.STATS_GC_PAUSE_TOTAL);
        java.put("STATS_GC_PAUSE_HIST", (long) Layout.STATS_GC_PAUSE_HIST);
        java.put("STATS_IMPORTS", (long) Layout.STATS_IMPORTS);
        java.put("STATS_AUDIT_EVENTS", (long) Layout.STATS_AUDIT_EVENTS);
        java.put("STATS_WINDOW_UNFOLLOWED_ENDS", (long) Layout.STATS_WINDOW_UNFOLLOWED_ENDS);
        java.put("EVENT_SIZE", (long) Layout.EVENT_SIZE);
        java.put("EVENT_TS", (long) Layout.EVENT_TS);
        java.put("EVENT_KIND", (long) Layout.EVENT_KIND);
        java.put("EVENT_TID", (long) Layout.EVENT_TID);
        java.put("EVENT_VALUE", (long) Layout.EVENT_VALUE);
        java.put("EVENT_NSCOPES", (long) Layout.EVENT_NSCOPES);
        java.put("EVENT_SCOPES", (long) Layout.EVENT_SCOPES);
        java.put("EVENT_NAME", (long) Layout.EVENT_NAME);
        java.put("EV_IMPORT_START", (long) Layout.EV_IMPORT_START);
        java.put("EV_IMPORT_DONE", (long) Layout.EV_IMPORT_DONE);
        java.put("EV_WINDOW_BEGIN", (long) Layout.EV_WINDOW_BEGIN);
        java.put("EV_WINDOW_END", (long) Layout.EV_WINDOW_END);
        java.put("EV_AUDIT", (long) Layout.EV_AUDIT);
        java.put("CALL_NAME_SIZE", (long) Layout.CALL_NAME_SIZE);
        java.put("CALL_KEY_SIZE", (long) Layout.CALL_KEY_SIZE);
        java.put("AUDIT_KEY_SIZE", (long) Layout.AUDIT_KEY_SIZE);
        java.put("AUDIT_KEY_EVENT", 8L); // KernelCounters reads the event name at 8
        java.put("WINDOW_KEY_SIZE", (long) Layout.WINDOW_KEY_SIZE);
        java.put("LOSS_COUNT", (long) Layout.LOSS_COUNT);
        java.put("LOSS_COUNT_ENUM", (long) Loss.values().length);
        for (Loss kind : Loss.values()) {
            java.put("LOSS " + kind.name(), (long) kind.ordinal());
        }
        java.put("AUDIT_SETTINGS_SIZE", (long) Layout.AUDIT_SETTINGS_SIZE);
        java.put("AUDIT_SETTINGS_STREAM_EVENTS", (long) Layout.AUDIT_SETTINGS_STREAM_EVENTS);
        java.put("AUDIT_SETTINGS_ASCII_DATA", (long) Layout.AUDIT_SETTINGS_ASCII_DATA);
        java.put("AUDIT_SETTINGS_COMPACT_DATA", (long) Layout.AUDIT_SETTINGS_COMPACT_DATA);
        java.put("AUDIT_SETTINGS_TYPE_FLAGS", (long) Layout.AUDIT_SETTINGS_TYPE_FLAGS);
        java.put("AUDIT_SETTINGS_OB_TYPE", (long) Layout.AUDIT_SETTINGS_OB_TYPE);
        java.put("AUDIT_SETTINGS_UNICODE_LENGTH", (long) Layout.AUDIT_SETTINGS_UNICODE_LENGTH);
        java.put("AUDIT_SETTINGS_UNICODE_STATE", (long) Layout.AUDIT_SETTINGS_UNICODE_STATE);
        java.put("AUDIT_SETTINGS_TUPLE_SIZE", (long) Layout.AUDIT_SETTINGS_TUPLE_SIZE);
        java.put("AUDIT_SETTINGS_TUPLE_ITEMS", (long) Layout.AUDIT_SETTINGS_TUPLE_ITEMS);
        java.put("CALLS_SETTINGS_SIZE", (long) Layout.CALLS_SETTINGS_SIZE);
        java.put("CALLS_SETTINGS_FUNC_GLOB", (long) Layout.PATTERN_LEN); // Tracer writes the function glob there
        java.put("KERNEL_STATS_SIZE", (long) Layout.KERNEL_STATS_SIZE);
        java.put("KERNEL_STATS_SYSCALLS_UNNAMED", (long) Layout.KERNEL_STATS_SYSCALLS_UNNAMED);
        java.put("KERNEL_STATS_OFFCPU_UNMATCHED", (long) Layout.KERNEL_STATS_OFFCPU_UNMATCHED);
        java.put("KERNEL_STATS_OFFCPU_RECOVERED", (long) Layout.KERNEL_STATS_OFFCPU_RECOVERED);
        java.put("SYSCALL_KEY_SIZE", (long) Layout.SYSCALL_KEY_SIZE);
        java.put("SYSCALL_KEY_NR", (long) Layout.SYSCALL_KEY_NR);
        java.put("KERNEL_TARGET_SIZE", (long) Layout.KERNEL_TARGET_SIZE);
        java.put("KERNEL_TARGET_HOST_TGID", (long) Layout.KERNEL_TARGET_HOST_TGID);
        java.put("KERNEL_SETTINGS_SIZE", (long) Layout.KERNEL_SETTINGS_SIZE);
        java.put("KERNEL_SETTINGS_PIDNS_INO", 8L); // KernelContextFamily writes the namespace's inode there
        java.put("KERNEL_SETTINGS_COUNT_SWITCHES", (long) Layout.KERNEL_SETTINGS_COUNT_SWITCHES);
        java.put("KERNEL_SETTINGS_COUNT_SYSCALLS", (long) Layout.KERNEL_SETTINGS_COUNT_SYSCALLS);
        java.put("GIL_STATS_SIZE", (long) Layout.GIL_STATS_SIZE);
        java.put("GIL_STATS_WAIT_TOTAL", (long) Layout.GIL_STATS_WAIT_TOTAL);
        java.put("GIL_STATS_WAIT_MAX", (long) Layout.GIL_STATS_WAIT_MAX);
        java.put("GIL_STATS_WAIT_HIST", (long) Layout.GIL_STATS_WAIT_HIST);
        java.put("GIL_STATS_CONTENDED_TOTAL", (long) Layout.GIL_STATS_CONTENDED_TOTAL);
        java.put("GIL_STATS_CONTENDED_MAX", (long) Layout.GIL_STATS_CONTENDED_MAX);
        java.put("GIL_STATS_CONTENDED_HIST", (long) Layout.GIL_STATS_CONTENDED_HIST);
        java.put("GIL_SETTINGS_SIZE", (long) Layout.GIL_SETTINGS_SIZE);
        java.put("GIL_SETTINGS_COUNT_CONTENDED", (long) Layout.GIL_SETTINGS_COUNT_CONTENDED);
        return java;
    }

    /** The C expression of each constant. Loss kinds map to the enum loss entries in the same order. */
    static Map<String, String> cSide() {
        Map<String, String> c = new LinkedHashMap<>();
        for (String macro : List.of("MAX_SLOTS", "PY_SLOT_LAST", "JAVA_SLOT_FIRST", "MAX_JAVA_OPEN", "MAX_SCOPES",
                "HIST_BUCKETS", "NAME_LEN", "WINDOW_NAME_LEN", "AUDIT_NAME_LEN", "FILE_LEN", "FUNC_LEN", "PATTERN_LEN",
                "EV_IMPORT_START", "EV_IMPORT_DONE", "EV_WINDOW_BEGIN", "EV_WINDOW_END", "EV_AUDIT", "LOSS_COUNT")) {
            c.put(macro, macro);
        }
        c.put("STATS_SIZE", "sizeof(struct scope_stats)");
        c.put("STATS_GC_COLLECTIONS", "offsetof(struct scope_stats, gc_collections)");
        c.put("STATS_GC_COLLECTED", "offsetof(struct scope_stats, gc_collected)");
        c.put("STATS_GC_PAUSE_COUNT", "offsetof(struct scope_stats, gc_pause_count)");
        c.put("STATS_GC_PAUSE_MAX", "offsetof(struct scope_stats, gc_pause_max_ns)");
        c.put("STATS_GC_PAUSE_TOTAL", "offsetof(struct scope_stats, gc_pause_total_ns)");
        c.put("STATS_GC_PAUSE_HIST", "offsetof(struct scope_stats, gc_pause_hist)");
        c.put("STATS_IMPORTS", "offsetof(struct scope_stats, imports)");
        c.put("STATS_AUDIT_EVENTS", "offsetof(struct scope_stats, audit_events)");
        c.put("STATS_WINDOW_UNFOLLOWED_ENDS", "offsetof(struct scope_stats, window_unfollowed_ends)");
        c.put("EVENT_SIZE", "sizeof(struct event)");
        c.put("EVENT_TS", "offsetof(struct event, ts_ns)");
        c.put("EVENT_KIND", "offsetof(struct event, kind)");
        c.put("EVENT_TID", "offsetof(struct event, tid)");
        c.put("EVENT_VALUE", "offsetof(struct event, value)");
        c.put("EVENT_NSCOPES", "offsetof(struct event, nscopes)");
        c.put("EVENT_SCOPES", "offsetof(struct event, scopes)");
        c.put("EVENT_NAME", "offsetof(struct event, name)");
        c.put("CALL_NAME_SIZE", "sizeof(struct call_name)");
        c.put("CALL_KEY_SIZE", "sizeof(struct call_key)");
        c.put("AUDIT_KEY_SIZE", "sizeof(struct audit_key)");
        c.put("AUDIT_KEY_EVENT", "offsetof(struct audit_key, event)");
        c.put("WINDOW_KEY_SIZE", "sizeof(struct window_key)");
        c.put("LOSS_COUNT_ENUM", "LOSS_COUNT");
        List<String> losses = List.of("LOSS_RINGBUF_FULL", "LOSS_CALLS_MAP_FULL", "LOSS_AUDIT_MAP_FULL",
                "LOSS_WINDOW_SLOTS_FULL", "LOSS_WINDOW_TOO_DEEP", "LOSS_WINDOW_NAME", "LOSS_WINDOW_UNBALANCED",
                "LOSS_GC_UNPAIRED", "LOSS_GLOB_TOO_COMPLEX", "LOSS_NAME_UNENCODABLE", "LOSS_WINDOW_THREADS_FULL",
                "LOSS_GIL_UNPAIRED");
        Loss[] kinds = Loss.values();
        for (int i = 0; i < kinds.length; i++) {
            c.put("LOSS " + kinds[i].name(), i < losses.size() ? losses.get(i) : "-1");
        }
        c.put("AUDIT_SETTINGS_SIZE", "sizeof(struct audit_settings)");
        c.put("AUDIT_SETTINGS_STREAM_EVENTS", "offsetof(struct audit_settings, stream_events)");
        c.put("AUDIT_SETTINGS_ASCII_DATA", "offsetof(struct audit_settings, str.unicode_ascii_data)");
        c.put("AUDIT_SETTINGS_COMPACT_DATA", "offsetof(struct audit_settings, str.unicode_compact_data)");
        c.put("AUDIT_SETTINGS_TYPE_FLAGS", "offsetof(struct audit_settings, str.type_flags)");
        c.put("AUDIT_SETTINGS_OB_TYPE", "offsetof(struct audit_settings, str.ob_type)");
        c.put("AUDIT_SETTINGS_UNICODE_LENGTH", "offsetof(struct audit_settings, str.unicode_length)");
        c.put("AUDIT_SETTINGS_UNICODE_STATE", "offsetof(struct audit_settings, str.unicode_state)");
        c.put("AUDIT_SETTINGS_TUPLE_SIZE", "offsetof(struct audit_settings, str.tuple_size)");
        c.put("AUDIT_SETTINGS_TUPLE_ITEMS", "offsetof(struct audit_settings, str.tuple_items)");
        c.put("CALLS_SETTINGS_SIZE", "sizeof(struct calls_settings)");
        c.put("CALLS_SETTINGS_FUNC_GLOB", "offsetof(struct calls_settings, func_glob)");
        c.put("KERNEL_STATS_SIZE", "sizeof(struct kernel_scope_stats)");
        c.put("KERNEL_STATS_SYSCALLS_UNNAMED", "offsetof(struct kernel_scope_stats, syscalls_unnamed)");
        c.put("KERNEL_STATS_OFFCPU_UNMATCHED", "offsetof(struct kernel_scope_stats, offcpu_unmatched)");
        c.put("KERNEL_STATS_OFFCPU_RECOVERED", "offsetof(struct kernel_scope_stats, offcpu_recovered)");
        c.put("SYSCALL_KEY_SIZE", "sizeof(struct syscall_key)");
        c.put("SYSCALL_KEY_NR", "offsetof(struct syscall_key, nr)");
        c.put("KERNEL_TARGET_SIZE", "sizeof(struct kernel_target)");
        c.put("KERNEL_TARGET_HOST_TGID", "offsetof(struct kernel_target, host_tgid)");
        c.put("KERNEL_SETTINGS_SIZE", "sizeof(struct kernel_settings)");
        c.put("KERNEL_SETTINGS_PIDNS_INO", "offsetof(struct kernel_settings, pidns_ino)");
        c.put("KERNEL_SETTINGS_COUNT_SWITCHES", "offsetof(struct kernel_settings, count_switches)");
        c.put("KERNEL_SETTINGS_COUNT_SYSCALLS", "offsetof(struct kernel_settings, count_syscalls)");
        c.put("GIL_STATS_SIZE", "sizeof(struct gil_scope_stats)");
        c.put("GIL_STATS_WAIT_TOTAL", "offsetof(struct gil_scope_stats, wait_total_ns)");
        c.put("GIL_STATS_WAIT_MAX", "offsetof(struct gil_scope_stats, wait_max_ns)");
        c.put("GIL_STATS_WAIT_HIST", "offsetof(struct gil_scope_stats, wait_hist)");
        c.put("GIL_STATS_CONTENDED_TOTAL", "offsetof(struct gil_scope_stats, contended_total_ns)");
        c.put("GIL_STATS_CONTENDED_MAX", "offsetof(struct gil_scope_stats, contended_max_ns)");
        c.put("GIL_STATS_CONTENDED_HIST", "offsetof(struct gil_scope_stats, contended_hist)");
        c.put("GIL_SETTINGS_SIZE", "sizeof(struct gil_settings)");
        c.put("GIL_SETTINGS_COUNT_CONTENDED", "offsetof(struct gil_settings, count_contended)");
        return c;
    }

    @TempDir
    Path tmp;

    @Test
    void every_size_offset_and_enum_value_of_pybudget_h_should_equal_its_java_constant() throws Exception {
        Map<String, Long> c = compileAndPrint(HEADER);
        assertThat(new TreeMap<>(c)).as("bpf/pybudget.h (left: printed by the C compiler) vs engine/Layout and Loss")
                .isEqualTo(new TreeMap<>(javaSide()));
    }

    /** The check above fails on a drifted header: here one with a field added to scope_stats and two losses swapped. */
    @Test
    void a_header_that_drifted_from_the_java_layout_should_be_told_apart_naming_the_constants() throws Exception {
        String header = Files.readString(HEADER, StandardCharsets.UTF_8);
        String drifted = header
                .replace("\t__u64 imports;", "\t__u64 added_by_someone;\n\t__u64 imports;")
                .replace("\tLOSS_GC_UNPAIRED,", "\tLOSS_GLOB_TOO_COMPLEX_SWAPPED,")
                .replace("\tLOSS_GLOB_TOO_COMPLEX,", "\tLOSS_GC_UNPAIRED,")
                .replace("LOSS_GLOB_TOO_COMPLEX_SWAPPED", "LOSS_GLOB_TOO_COMPLEX");
        assertThat(drifted).isNotEqualTo(header);
        Path copy = Files.writeString(tmp.resolve("pybudget.h"), drifted);

        Map<String, Long> c = compileAndPrint(copy);
        Map<String, Long> java = javaSide();
        List<String> differ = new ArrayList<>();
        java.forEach((name, value) -> {
            if (!value.equals(c.get(name))) {
                differ.add(name);
            }
        });
        assertThat(differ).containsExactlyInAnyOrder("STATS_SIZE", "STATS_IMPORTS", "STATS_AUDIT_EVENTS",
                "STATS_WINDOW_UNFOLLOWED_ENDS", "LOSS GC_UNPAIRED", "LOSS CALL_PATTERN_STEPS");
    }

    /** Compiles a program that includes {@code header} and prints "NAME value" per constant; returns them. */
    private Map<String, Long> compileAndPrint(Path header) throws IOException, InterruptedException {
        StringBuilder program = new StringBuilder("#include <stdio.h>\n#include <stddef.h>\n#include <linux/types.h>\n")
                .append("#include \"").append(header).append("\"\nint main(void) {\n");
        cSide().forEach((name, expression) -> program.append("  printf(\"%s=%ld\\n\", \"").append(name)
                .append("\", (long)(").append(expression).append("));\n"));
        program.append("  return 0;\n}\n");
        Path source = Files.writeString(tmp.resolve("layout-" + System.nanoTime() + ".c"), program);
        Path binary = tmp.resolve("layout-" + System.nanoTime());
        run(List.of("clang", "-o", binary.toString(), source.toString()), "compiling the layout printer (apt-get install clang,"
                + " as for bpf/)");
        Map<String, Long> values = new LinkedHashMap<>();
        for (String line : run(List.of(binary.toString()), "running the layout printer").split("\n")) {
            int eq = line.lastIndexOf('=');
            values.put(line.substring(0, eq), Long.parseLong(line.substring(eq + 1)));
        }
        return values;
    }

    private static String run(List<String> command, String what) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            fail(what + " failed: " + out);
        }
        return out;
    }
}

package dev.pybudget.engine;

import java.nio.charset.StandardCharsets;

/** Sizes and offsets of bpf/pybudget.h, the structs the kernel side writes and we read. */
final class Layout {
    private Layout() {}

    static final int MAX_SLOTS = 128;
    static final int PY_SLOT_LAST = 63;
    static final int JAVA_SLOT_FIRST = 64;
    static final int MAX_JAVA_OPEN = 4;
    static final int MAX_SCOPES = 9;
    static final int HIST_BUCKETS = 40;

    static final int NAME_LEN = 128;
    static final int WINDOW_NAME_LEN = 64;
    static final int AUDIT_NAME_LEN = 64;
    static final int FILE_LEN = 256;
    static final int FUNC_LEN = 64;
    static final int PATTERN_LEN = 128;

    /** struct scope_stats */
    static final int STATS_SIZE = 8 * (3 + 4 + HIST_BUCKETS + 3);
    static final int STATS_GC_COLLECTIONS = 0;
    static final int STATS_GC_COLLECTED = 24;
    static final int STATS_GC_PAUSE_COUNT = 32;
    static final int STATS_GC_PAUSE_MAX = 40;
    static final int STATS_GC_PAUSE_TOTAL = 48;
    static final int STATS_GC_PAUSE_HIST = 56;
    static final int STATS_IMPORTS = STATS_GC_PAUSE_HIST + 8 * HIST_BUCKETS;
    static final int STATS_AUDIT_EVENTS = STATS_IMPORTS + 8;
    static final int STATS_WINDOW_UNFOLLOWED_ENDS = STATS_AUDIT_EVENTS + 8;

    /** struct event */
    static final int EVENT_SIZE = 64 + NAME_LEN;
    static final int EVENT_TS = 0;
    static final int EVENT_KIND = 8;
    static final int EVENT_TID = 12;
    static final int EVENT_VALUE = 16;
    static final int EVENT_NSCOPES = 20;
    static final int EVENT_SCOPES = 24;
    static final int EVENT_NAME = 64;

    static final int EV_IMPORT_START = 1;
    static final int EV_IMPORT_DONE = 2;
    static final int EV_WINDOW_BEGIN = 3;
    static final int EV_WINDOW_END = 4;
    static final int EV_AUDIT = 5;

    /** struct call_name, struct call_key (slot, id), struct audit_key, struct window_key */
    static final int CALL_NAME_SIZE = FILE_LEN + FUNC_LEN;
    static final int CALL_KEY_SIZE = 8;
    static final int AUDIT_KEY_SIZE = 8 + AUDIT_NAME_LEN;
    static final int WINDOW_KEY_SIZE = WINDOW_NAME_LEN;

    /** struct kernel_scope_stats: ten u64, read in this order (KernelContextFamily) */
    static final int KERNEL_STATS_SIZE = 8 * 11;
    static final int KERNEL_STATS_SYSCALLS_UNNAMED = 64;
    static final int KERNEL_STATS_OFFCPU_UNMATCHED = 72;
    static final int KERNEL_STATS_OFFCPU_RECOVERED = 80;
    /** struct syscall_key: slot, nr */
    static final int SYSCALL_KEY_SIZE = 8;
    static final int SYSCALL_KEY_NR = 4;
    /** struct kernel_target: ns_tgid, host_tgid */
    static final int KERNEL_TARGET_SIZE = 8;
    static final int KERNEL_TARGET_HOST_TGID = 4;
    /** struct kernel_settings: pidns_dev, pidns_ino, count_switches, count_syscalls */
    static final int KERNEL_SETTINGS_SIZE = 24;
    static final int KERNEL_SETTINGS_COUNT_SWITCHES = 16;
    static final int KERNEL_SETTINGS_COUNT_SYSCALLS = 20;

    /** enum loss: one entry per {@link dev.pybudget.recording.Loss}, in its order */
    static final int LOSS_COUNT = 12;

    /** struct gil_scope_stats: wait total, max, histogram; then the same for the contended ones (GilCounters) */
    static final int GIL_STATS_WAIT_TOTAL = 0;
    static final int GIL_STATS_WAIT_MAX = 8;
    static final int GIL_STATS_WAIT_HIST = 16;
    static final int GIL_STATS_CONTENDED_TOTAL = GIL_STATS_WAIT_HIST + 8 * HIST_BUCKETS;
    static final int GIL_STATS_CONTENDED_MAX = GIL_STATS_CONTENDED_TOTAL + 8;
    static final int GIL_STATS_CONTENDED_HIST = GIL_STATS_CONTENDED_TOTAL + 16;
    static final int GIL_STATS_SIZE = GIL_STATS_CONTENDED_HIST + 8 * HIST_BUCKETS;
    /** struct gil_settings: count_contended, pad */
    static final int GIL_SETTINGS_SIZE = 8;
    static final int GIL_SETTINGS_COUNT_CONTENDED = 0;

    /** struct audit_settings: stream_events, then struct pystr_layout (CPython's offsets, see Tracer) */
    static final int AUDIT_SETTINGS_SIZE = 36;
    static final int AUDIT_SETTINGS_STREAM_EVENTS = 0;
    static final int AUDIT_SETTINGS_ASCII_DATA = 4;
    static final int AUDIT_SETTINGS_COMPACT_DATA = 8;
    static final int AUDIT_SETTINGS_TYPE_FLAGS = 12;
    static final int AUDIT_SETTINGS_OB_TYPE = 16;
    static final int AUDIT_SETTINGS_UNICODE_LENGTH = 20;
    static final int AUDIT_SETTINGS_UNICODE_STATE = 24;
    static final int AUDIT_SETTINGS_TUPLE_SIZE = 28;
    static final int AUDIT_SETTINGS_TUPLE_ITEMS = 32;
    /** struct calls_settings: file_glob, func_glob */
    static final int CALLS_SETTINGS_SIZE = 2 * PATTERN_LEN;

    /**
     * A NUL-terminated name the kernel copied into a fixed buffer. Bytes that are not UTF-8
     * become U+FFFD; a name that filled its buffer was cut and ends in "…" (the cut may fall inside
     * a character: that partial character is dropped). A name of exactly capacity - 1 bytes cannot
     * be told from a longer one, and is marked as cut too.
     */
    static String cString(byte[] bytes, int offset, int capacity) {
        int end = offset;
        int limit = offset + capacity;
        while (end < limit && bytes[end] != 0) {
            end++;
        }
        boolean cut = end - offset >= capacity - 1;
        int keep = cut ? offset + completeUtf8(bytes, offset, end) : end;
        String text = new String(bytes, offset, keep - offset, StandardCharsets.UTF_8);
        return cut ? text + "…" : text;
    }

    /** How many bytes of [from, to) remain once a UTF-8 sequence cut short at the end is dropped. */
    private static int completeUtf8(byte[] b, int from, int to) {
        int lead = to - 1;
        while (lead >= from && lead > to - 4 && (b[lead] & 0xc0) == 0x80) {
            lead--; // continuation bytes
        }
        if (lead < from || (b[lead] & 0x80) == 0) {
            return to - from;
        }
        int need = (b[lead] & 0xe0) == 0xc0 ? 2 : (b[lead] & 0xf0) == 0xe0 ? 3 : (b[lead] & 0xf8) == 0xf0 ? 4 : 1;
        return to - lead < need ? lead - from : to - from;
    }

    static long u64(byte[] b, int off) {
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = (v << 8) | (b[off + i] & 0xff);
        }
        return v;
    }

    static int u32(byte[] b, int off) {
        return (b[off] & 0xff) | (b[off + 1] & 0xff) << 8 | (b[off + 2] & 0xff) << 16 | (b[off + 3] & 0xff) << 24;
    }

    static void putU32(byte[] b, int off, int v) {
        b[off] = (byte) v;
        b[off + 1] = (byte) (v >>> 8);
        b[off + 2] = (byte) (v >>> 16);
        b[off + 3] = (byte) (v >>> 24);
    }
}

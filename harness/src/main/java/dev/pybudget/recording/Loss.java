package dev.pybudget.recording;

/**
 * What could not be recorded, one kind per entry of {@code enum loss} in bpf/pybudget.h, in its
 * order (the kernel's losses map is indexed by {@link #ordinal()}). {@link #jsonName()} is the
 * field in the JSON report's "losses" object.
 */
public enum Loss {
    /** LOSS_RINGBUF_FULL: a stream record found no room in the ring buffer. */
    EVENTS("events"),
    /** LOSS_CALLS_MAP_FULL: a call found no room for its function's id or its (scope, function) count. */
    CALLS("calls"),
    /** LOSS_AUDIT_MAP_FULL: a (scope, event) count had no room. */
    AUDIT("audit"),
    /** LOSS_WINDOW_SLOTS_FULL: more distinct Python window names than slots. */
    WINDOW_SLOTS("windowSlots"),
    /** LOSS_WINDOW_TOO_DEEP: more Python windows nested on one thread than the kernel follows. */
    WINDOW_DEPTH("windowDepth"),
    /** LOSS_WINDOW_NAME: a window mark whose name is not a str that could be read. */
    WINDOW_NAMES("windowNames"),
    /** LOSS_WINDOW_UNBALANCED: an end mark whose window is not open on its thread. */
    WINDOW_UNBALANCED("windowUnbalanced"),
    /** LOSS_GC_UNPAIRED: a gc__done without gc__start on its thread. */
    GC_UNPAIRED("gcUnpaired"),
    /** LOSS_GLOB_TOO_COMPLEX: a name the call pattern matcher could not decide in its steps. */
    CALL_PATTERN_STEPS("callPatternSteps"),
    /** LOSS_NAME_UNENCODABLE: a name CPython could not encode as UTF-8 and passed as NULL. */
    UNENCODABLE_NAMES("unencodableNames"),
    /** LOSS_WINDOW_THREADS_FULL: a begin mark on a thread that found no room among the threads with windows open. */
    WINDOW_THREADS("windowThreads"),
    /** LOSS_GIL_UNPAIRED: a take_gil return without its entry on that thread, or an entry whose return never came. */
    GIL_UNPAIRED("gilUnpaired");

    private final String jsonName;

    Loss(String jsonName) {
        this.jsonName = jsonName;
    }

    public String jsonName() {
        return jsonName;
    }
}

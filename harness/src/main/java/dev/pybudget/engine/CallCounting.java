package dev.pybudget.engine;

/**
 * How calls are counted (see docs/performance.md for what each costs).
 *
 * <ul>
 *   <li>{@link #USDT}: in the kernel, at CPython's {@code function__return} marker (3.11 and 3.15
 *       builds with markers). Every Python function of the process pays the probe (1.6-2.1 µs a
 *       call here), whether the pattern names it or not.</li>
 *   <li>{@link #MONITORING}: inside the workload, by a small module pybudget injects at start-up:
 *       {@code sys.monitoring} on 3.12 and later (functions the pattern does not name run at full
 *       speed after their first return), {@code sys.settrace} on 3.11 (every call pays).</li>
 *   <li>{@link #AUTO}: {@link #MONITORING} on 3.12 and later, by far the cheaper there; {@link #USDT}
 *       before: on 3.11 both make every call pay, and in process, though cheaper for the functions the
 *       pattern does not name, cannot see threads started from C or with {@code _thread}.</li>
 * </ul>
 * The recording's probes say which one counted: {@code calls:usdt} or {@code calls:monitoring}.
 */
public enum CallCounting {
    AUTO, USDT, MONITORING;

    /** The name the command line and the recording use: "auto", "usdt", "monitoring". */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** @throws IllegalArgumentException with one sentence for anything but auto, usdt or monitoring */
    public static CallCounting parse(String text) {
        for (CallCounting c : values()) {
            if (c.label().equals(text)) {
                return c;
            }
        }
        throw new IllegalArgumentException("Unknown way to count calls '" + text + "': expected usdt, monitoring or auto.");
    }
}

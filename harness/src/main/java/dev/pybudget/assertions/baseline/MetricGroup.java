package dev.pybudget.assertions.baseline;

import dev.pybudget.assertions.internal.FamilyChecks;

/**
 * The families a baseline keeps metrics of, each with the prefix of its keys: "gc.collections.gen0",
 * "imports.count", "calls[app.py:parse]", "audit[open]". Calls and audit are kept per name: a name the baseline
 * never saw counts from 0.
 */
public enum MetricGroup {
    GC("gc.", "collections", false, FamilyChecks.GC_PROBE),
    IMPORTS("imports.", "imports", false, FamilyChecks.IMPORT_PROBE),
    CALLS("calls[", "calls", true, FamilyChecks.CALL_PROBE),
    AUDIT("audit[", "audit events", true, FamilyChecks.AUDIT_PROBE);

    private final String prefix;
    private final String what;
    private final boolean perName;
    private final String probe;

    MetricGroup(String prefix, String what, boolean perName, String probe) {
        this.prefix = prefix;
        this.what = what;
        this.perName = perName;
        this.probe = probe;
    }

    /** The probe its metrics rest on: without it, the group is not measured (and not compared). */
    public String probe() {
        return probe;
    }

    /** The group of a metric key. */
    public static MetricGroup of(String key) {
        for (MetricGroup g : values()) {
            if (key.startsWith(g.prefix)) {
                return g;
            }
        }
        throw new IllegalArgumentException("No metric group has the key '" + key + "'.");
    }

    /** Its keys' prefix: "gc.", "imports.", "calls[", "audit[". */
    public String prefix() {
        return prefix;
    }

    /** What its metrics count, as a sentence names them: "calls", "audit events". */
    public String what() {
        return what;
    }

    /** Whether it keeps one metric per name (a function, an event), where a name not in the baseline counts from 0. */
    public boolean perName() {
        return perName;
    }
}

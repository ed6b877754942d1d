package dev.pybudget.elf;

/**
 * CPython's USDT markers (its {@code Include/pydtrace.d}), by the names its ELF notes give them. The one place
 * every layer takes a marker's name from: the preflight, the BPF objects' programs, a recording's probe list and
 * the budgets' checks.
 */
public enum Marker {
    FUNCTION_ENTRY("function__entry"),
    FUNCTION_RETURN("function__return"),
    LINE("line"),
    GC_START("gc__start"),
    GC_DONE("gc__done"),
    IMPORT_START("import__find__load__start"),
    IMPORT_DONE("import__find__load__done"),
    AUDIT("audit");

    private final String probe;

    Marker(String probe) {
        this.probe = probe;
    }

    /** The probe's name, as in the ELF notes and in a recording's probe list: "gc__start". */
    public String probe() {
        return probe;
    }
}

package dev.pybudget.engine;

import java.util.LinkedHashMap;
import java.util.Map;

/** One BPF object in bpf/ and the USDT probe each of its programs attaches to (none for the symbol-probe objects). */
enum Concern {
    /** First: it owns the window marks, and its object creates the maps the others share. */
    AUDIT("audit.bpf.o", "audit", "audit"),
    GC("gc.bpf.o", "gc_start", "gc__start", "gc_done", "gc__done"),
    IMPORTS("imports.bpf.o", "import_start", "import__find__load__start", "import_done", "import__find__load__done"),
    CALLS("calls.bpf.o", "function_return", "function__return"),
    /** gc from CPython's internal functions, for builds without the gc markers: attached by {@link SymbolProbes}. */
    GC_SYMBOL("gc_symbol.bpf.o"),
    /** audit from CPython's internal functions, for builds without the audit marker: attached by {@link SymbolProbes}. */
    AUDIT_SYMBOL("audit_symbol.bpf.o");

    final String object;
    /** program name -> probe name, in attach order; empty for an object attached to functions by offset */
    final Map<String, String> programs = new LinkedHashMap<>();

    Concern(String object, String... programAndProbe) {
        this.object = object;
        for (int i = 0; i < programAndProbe.length; i += 2) {
            programs.put(programAndProbe[i], programAndProbe[i + 1]);
        }
    }
}

package dev.pybudget.engine;

import dev.pybudget.elf.Marker;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One BPF object in bpf/, the USDT probe each of its programs attaches to (none for the symbol-probe
 * objects, which {@link SymbolProbes} attaches to functions by offset), and its programs on kernel tracepoints.
 */
enum Concern {
    /** First: it owns the window marks, and its object creates the maps the others share. */
    AUDIT("audit.bpf.o", List.of("window_thread_exit"), "audit", Marker.AUDIT.probe()),
    GC("gc.bpf.o", List.of(), "gc_start", Marker.GC_START.probe(), "gc_done", Marker.GC_DONE.probe()),
    IMPORTS("imports.bpf.o", List.of(), "import_start", Marker.IMPORT_START.probe(), "import_done",
            Marker.IMPORT_DONE.probe()),
    CALLS("calls.bpf.o", List.of(), "function_return", Marker.FUNCTION_RETURN.probe()),
    /** gc from CPython's internal functions, for builds without the gc markers. */
    GC_SYMBOL("gc_symbol.bpf.o", List.of()),
    /** audit from CPython's internal functions, for builds without the audit marker; it holds audit.bpf.c's window marks. */
    AUDIT_SYMBOL("audit_symbol.bpf.o", List.of("window_thread_exit")),
    /** No USDT probe: BTF tracepoints here, and perf events that KernelContextFamily opens; only with TraceOptions.withFamily("kernel"). */
    KERNEL("kernel.bpf.o", List.of("sched_switch", "sys_enter")),
    /** GIL waits: attached to CPython's internal take_gil by offset (SymbolProbes); only with TraceOptions.withFamily("gil"). */
    GIL("gil.bpf.o", List.of("gil_thread_exit"));

    final String object;
    /** program name -> probe name, in attach order; empty for an object attached to functions by offset */
    final Map<String, String> programs = new LinkedHashMap<>();
    /** programs on kernel tracepoints (their SEC() names the tracepoint), attached with the probes */
    final List<String> kernelPrograms;

    Concern(String object, List<String> kernelPrograms, String... programAndProbe) {
        this.object = object;
        this.kernelPrograms = kernelPrograms;
        for (int i = 0; i < programAndProbe.length; i += 2) {
            programs.put(programAndProbe[i], programAndProbe[i + 1]);
        }
    }
}

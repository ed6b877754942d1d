package dev.pybudget.engine;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** One BPF object in bpf/, the USDT probe each of its programs attaches to, and its programs on kernel tracepoints. */
enum Concern {
    /** First: it owns the window marks, and its object creates the maps the others share. */
    AUDIT("audit.bpf.o", List.of("window_thread_exit"), "audit", "audit"),
    GC("gc.bpf.o", List.of(), "gc_start", "gc__start", "gc_done", "gc__done"),
    IMPORTS("imports.bpf.o", List.of(), "import_start", "import__find__load__start", "import_done", "import__find__load__done"),
    CALLS("calls.bpf.o", List.of(), "function_return", "function__return");

    final String object;
    /** program name -> probe name, in attach order */
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

package dev.pybudget.engine;

import dev.pybudget.elf.FunctionSymbols;
import dev.pybudget.elf.Marker;
import dev.pybudget.elf.PythonBinary.MajorMinor;
import dev.pybudget.elf.PythonBinary;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The second mechanism: where a CPython lacks the markers of a family, uprobes on the internal
 * functions that give the same answers, found in the symbol table of the file with the interpreter
 * (or in its separate debug file, by build id). Which function, and where its arguments are, depends
 * on the version and on the compiler's clones of it: {@link #TABLE} says, per version range and
 * family, each checked against CPython's own hooks on pyenv's builds 3.8-3.13 and Debian's
 * {@code -dbg} symbols. A clone whose arguments the table does not know is not used: the family is
 * then missing, never counted from a guess.
 */
final class SymbolProbes {
    private SymbolProbes() {}

    /** A family the symbol probes can serve, the markers it stands in for, and its BPF object. */
    enum Family {
        GC("gc", Concern.GC_SYMBOL, List.of(Marker.GC_START.probe(), Marker.GC_DONE.probe())),
        AUDIT("audit", Concern.AUDIT_SYMBOL, List.of(Marker.AUDIT.probe())),
        /** No marker stands for it: asked for on its own (TraceOptions.withFamily("gil")), from symbols only. */
        GIL("gil", Concern.GIL, List.of());

        final String label;
        final Concern concern;
        final List<String> markers;

        Family(String label, Concern concern, List<String> markers) {
            this.label = label;
            this.concern = concern;
            this.markers = markers;
        }
    }

    /**
     * One function to probe: its name without clone suffixes, the program attached at its entry or
     * return, and the BPF cookie per clone kind ("" for the function as written or renamed by LTO,
     * "constprop" or "isra" for a clone whose arguments the compiler changed).
     */
    record Function(String name, String program, boolean atReturn, Map<String, Long> cookieByClone) {}

    /** A row of the table: versions from..to (inclusive), a family, the functions that all must be there. */
    record Row(MajorMinor from, MajorMinor to, Family family, List<Function> functions) {
        boolean covers(MajorMinor v) {
            return v.compareTo(from) >= 0 && v.compareTo(to) <= 0;
        }
    }

    /** One uprobe to attach. */
    record Site(Concern concern, String program, String symbol, long offset, boolean atReturn, long cookie) {}

    /** The sites of one family and the label the recording carries, e.g. {@code gc:symbol gc_collect_main}. */
    record Served(Family family, String label, List<Site> sites) {}

    private static MajorMinor v(int major, int minor) {
        return new MajorMinor(major, minor);
    }

    private static Function entry(String name, String program, Map<String, Long> cookies) {
        return new Function(name, program, false, cookies);
    }

    private static Function atReturn(String name, String program) {
        return new Function(name, program, true, Map.of("", 0L, "constprop", 0L));
    }

    /** invoke_gc_callback's argument indices, a byte each: phase, generation, collected, uncollectable. */
    private static long callbackArgs(int phase, int generation, int collected, int uncollectable) {
        return phase | generation << 8 | collected << 16 | (long) uncollectable << 24;
    }

    // sys_audit(module, args, argc): sys.audit() from Python, which returns early without an audit hook.
    private static final Function SYS_AUDIT_CALL = entry("sys_audit", "audit_symbol_py_call", Map.of("", 0L));
    private static final Function SYS_AUDIT_RETURN = atReturn("sys_audit", "audit_symbol_py_return");

    /**
     * take_gil(tstate): no argument is read, so every clone is the same function for the probes (entry to return
     * is one acquisition), LTO's {@code take_gil.lto_priv.0} and 3.8's {@code take_gil.constprop.0} (both copies are
     * in that build: each acquisition goes through one). The {@code .cold} parts GCC splits off are not entries, and
     * are not matched. (Checked in the DWARF of Debian's 3.11: take_gil is never inlined; drop_gil is, in five
     * callers, which is why gil.bpf.c does not rest on it.)
     */
    private static final Map<String, Long> ANY_CLONE = Map.of("", 0L, "constprop", 0L, "isra", 0L,
            "isra+constprop", 0L, "constprop+isra", 0L);

    static final List<Row> TABLE = List.of(
            // GIL, 3.6-3.15: static take_gil in Python/ceval_gil.h (ceval_gil.c since 3.12).
            new Row(v(3, 6), v(3, 15), Family.GIL, List.of(
                    new Function("take_gil", "take_gil_entry", false, ANY_CLONE),
                    new Function("take_gil", "take_gil_return", true, ANY_CLONE))),
            // 3.8: collect(state, generation, ...); GCC's constprop clones drop state, the generation comes first.
            new Row(v(3, 8), v(3, 8), Family.GC, List.of(
                    entry("collect", "gc_symbol_start", Map.of("", 1L, "constprop", 0L)),
                    atReturn("collect", "gc_symbol_done"))),
            // 3.9: collect(tstate, generation, ...); 3.10-3.12: gc_collect_main(tstate, generation, ...).
            // Both return collected + uncollectable, as gc__done gives them.
            new Row(v(3, 9), v(3, 9), Family.GC, List.of(
                    entry("collect", "gc_symbol_start", Map.of("", 1L)),
                    atReturn("collect", "gc_symbol_done"))),
            new Row(v(3, 10), v(3, 12), Family.GC, List.of(
                    entry("gc_collect_main", "gc_symbol_start", Map.of("", 1L)),
                    atReturn("gc_collect_main", "gc_symbol_done"))),
            // 3.13: automatic collections enter gc_collect_main with generation -1 and choose inside (or
            // not collect at all); invoke_gc_callback(tstate or interp, phase, generation, collected,
            // uncollectable) is called with the chosen one, "start" and "stop", hooks or not.
            new Row(v(3, 13), v(3, 13), Family.GC, List.of(
                    entry("invoke_gc_callback", "gc_symbol_callback",
                            Map.of("", callbackArgs(1, 2, 3, 4), "isra", callbackArgs(1, 2, 3, 4))))),
            // 3.8: PySys_Audit(event, format, ...); 3.9+: sys_audit_tstate(tstate, event, format, vargs).
            new Row(v(3, 8), v(3, 8), Family.AUDIT, List.of(
                    entry("PySys_Audit", "audit_symbol_event", Map.of("", 0L)), SYS_AUDIT_CALL, SYS_AUDIT_RETURN)),
            new Row(v(3, 9), v(3, 13), Family.AUDIT, List.of(
                    entry("sys_audit_tstate", "audit_symbol_event", Map.of("", 1L)), SYS_AUDIT_CALL, SYS_AUDIT_RETURN)));

    /** A clone: name.constprop.0, name.isra.0, name.lto_priv.0, in any combination. */
    private static final Pattern CLONE = Pattern.compile("((?:\\.(?:constprop|isra|lto_priv)\\.\\d+)*)");
    private static final Pattern CLONE_KIND = Pattern.compile("\\.(constprop|isra)\\.\\d+");

    /**
     * The families of {@code wanted} this CPython lacks markers for and its symbols can serve; for the
     * others (in {@code notServed}) one clause each saying why not.
     */
    static List<Served> plan(PythonBinary python, List<Family> wanted, Path root, Map<Family, String> notServed) {
        Optional<MajorMinor> version = python.versionMajorMinor();
        Optional<FunctionSymbols> symbols;
        try {
            symbols = FunctionSymbols.of(python.probeBinaryFile(), root);
        } catch (IOException | RuntimeException e) {
            symbols = Optional.empty();
        }
        List<Served> served = new ArrayList<>();
        for (Family family : wanted) {
            Optional<Row> row = version.flatMap(v -> TABLE.stream().filter(r -> r.family == family && r.covers(v)).findFirst());
            if (row.isEmpty()) {
                notServed.put(family, "pybudget knows no internal function for " + family.label + " in "
                        + version.map(v -> "CPython " + v).orElse("a CPython of unknown version"));
                continue;
            }
            if (symbols.isEmpty()) {
                notServed.put(family, "it has no symbol table (.symtab) and no debug file for its build id");
                continue;
            }
            Optional<List<Site>> sites = sites(row.get(), symbols.get());
            if (sites.isEmpty()) {
                notServed.put(family, "its symbol table lacks "
                        + String.join(" or ", row.get().functions().stream().map(Function::name).distinct().toList())
                        + " in a form pybudget knows the arguments of");
                continue;
            }
            String names = String.join(",", sites.get().stream().filter(s -> !s.atReturn()).map(Site::symbol).distinct().toList());
            String from = symbols.get().source().startsWith("its") ? "" : " (" + symbols.get().source() + ")";
            served.add(new Served(family, family.label + ":symbol " + names + from, sites.get()));
        }
        return served;
    }

    /** Every clone of every function of the row, with its cookie; empty when one function has none usable. */
    private static Optional<List<Site>> sites(Row row, FunctionSymbols symbols) {
        List<Site> sites = new ArrayList<>();
        for (Function f : row.functions()) {
            Pattern name = Pattern.compile(Pattern.quote(f.name()) + CLONE.pattern());
            int found = 0;
            for (Map.Entry<String, Long> symbol : new LinkedHashMap<>(symbols.offsets()).entrySet()) {
                Matcher m = name.matcher(symbol.getKey());
                if (!m.matches()) {
                    continue;
                }
                Long cookie = f.cookieByClone().get(cloneKind(m.group(1)));
                if (cookie == null) {
                    continue; // a clone whose arguments moved in a way the table does not say
                }
                sites.add(new Site(row.family().concern, f.program(), symbol.getKey(), symbol.getValue(), f.atReturn(), cookie));
                found++;
            }
            if (found == 0) {
                return Optional.empty();
            }
        }
        return Optional.of(sites);
    }

    /** "" for none or LTO's renaming only, else the kinds in order, joined by '+': "constprop", "isra", "isra+constprop". */
    static String cloneKind(String suffixes) {
        Matcher m = CLONE_KIND.matcher(suffixes);
        List<String> kinds = new ArrayList<>();
        while (m.find()) {
            kinds.add(m.group(1));
        }
        return String.join("+", kinds);
    }
}

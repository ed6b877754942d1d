package dev.pybudget.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pybudget.recording.Section;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One probe family, whole: the BPF object it loads and its settings, what it attaches besides the probes
 * the object's programs name, how it reads its maps into one {@link Section} per scope slot, and how that
 * section is written to and read from the JSON report and shown in the text report. The shared machinery
 * (scopes and windows, {@code Recording.since}, the JSON envelope, the text report) goes through
 * {@link #all()} and knows no family by name; a family's budgets (its {@code XxxAssert}, its checks and
 * message factories) and its annotation read the section it produces.
 *
 * <p>To add a family: one BPF source in bpf/, one subclass here (with its {@link Concern} constant), one
 * section record, its assertion class with message factories, its annotation; then list it in
 * {@link #all()} (see docs/architecture.md, "Adding a family").
 *
 * @param <S> the family's section record
 */
public abstract class ProbeFamily<S extends Section<S>> {

    /** Every family, in the order their sections appear in a scope (and in the JSON report). */
    public static List<ProbeFamily<?>> all() {
        return List.of(GcFamily.INSTANCE, ImportsFamily.INSTANCE, CallsFamily.INSTANCE, AuditFamily.INSTANCE,
                KernelContextFamily.INSTANCE, GilFamily.INSTANCE);
    }

    /**
     * The names of the families a trace records only when asked ({@link #optional()}), in {@link #all()}'s order: what
     * {@code TraceOptions.withFamily}, the workloads' {@code withFamily}, the agent's and the command line's
     * {@code --family} accept.
     */
    public static List<String> optionalNames() {
        return all().stream().filter(ProbeFamily::optional).map(ProbeFamily::name).toList();
    }

    /**
     * Its section's key in {@code Sections.families()}, its field in each scope of the JSON report and, for an
     * {@link #optional()} family, its name in {@code TraceOptions.withFamily} and {@code --family}.
     */
    public abstract String name();

    /**
     * Whether a trace records it only when asked ({@code TraceOptions.withFamily(name())}), as the kernel context and
     * the GIL waits; false for the interpreter's families, which CPython's probes bring.
     */
    public boolean optional() {
        return false;
    }

    public abstract Class<S> sectionType();

    /** The section of a scope where nothing was counted. */
    public abstract S nothing();

    /**
     * Writes the family's part of a scope of the JSON report: by default its object under {@link #name()}
     * ({@link #writeJson}), or null when it was not recorded. A family whose fields stand in the scope itself
     * (imports: "importCount" and "imports") overrides this and {@link #readScope}.
     */
    public void writeScope(ObjectNode scope, Optional<S> section) {
        if (section.isPresent()) {
            writeJson(scope.putObject(name()), section.get());
        } else {
            scope.putNull(name());
        }
    }

    /** Reads what {@link #writeScope} wrote; empty when it was null or absent. */
    public Optional<S> readScope(JsonNode scope) {
        JsonNode node = scope.path(name());
        return node.isObject() ? Optional.of(readJson(node)) : Optional.empty();
    }

    /**
     * The text report's line for a family this CPython could not measure ("Collections: not measured (no gc__start
     * probe)"), given the recording's missing probes; empty when it was measured (or is not on CPython's probes).
     */
    public Optional<String> notMeasured(List<String> missingProbes) {
        return Optional.empty();
    }

    /** Writes {@code section}'s fields into {@code node}, the family's object in a scope of the JSON report. */
    public abstract void writeJson(ObjectNode node, S section);

    /** Reads what {@link #writeJson} wrote. */
    public abstract S readJson(JsonNode node);

    /** The section as a person reads it in the text report: one or more lines, "\n" between them; "" for nothing to say. */
    public abstract String describe(S section);

    /** Its BPF object. */
    abstract Concern concern();

    /** Whether this trace loaded the objects whose maps {@link #read} reads. */
    boolean loaded(BpfObjects bpf) {
        return bpf.has(concern());
    }

    /** Whether a trace with these options loads this family's object for it: an optional family it was asked for. */
    boolean recorded(TraceOptions options) {
        return optional() && options.families().contains(name());
    }

    /**
     * What it attaches by symbol because no marker of CPython's stands for it (the GIL's take_gil), for a trace that
     * records it; empty for a family on markers, tracepoints or perf events.
     *
     * @param root the file system the CPython is in, as seen from here
     * @throws TraceException when this CPython lacks what it needs, in one sentence
     */
    Optional<SymbolProbes.Served> symbolSites(dev.pybudget.elf.PythonBinary python, java.nio.file.Path root) {
        return Optional.empty();
    }

    /** Its object's settings (its {@code const volatile} rodata), for a trace with these options. */
    abstract byte[] settings(TraceOptions options);

    /**
     * Attaches what its object's programs do not name (perf events, a target to follow) to process {@code pid},
     * before it runs Python; every link joins the trace's others ({@link BpfObjects#addLink}).
     */
    void attach(BpfObjects bpf, int pid) {}

    /**
     * One reading of its maps: the section of each of {@code slots}. Empty when nothing it counted can be
     * trusted yet (the family then has no section in the recording, and its budgets are inconclusive).
     */
    abstract Optional<Map<Integer, S>> read(BpfObjects bpf, Collection<Integer> slots);

    /**
     * The section of the scope made of {@code slots}, from {@link #read}'s sections and what the stream held at the
     * same snapshot. By default the slots' sections added up; a family with a part from the stream (the import tree,
     * audit events) overrides it.
     */
    S scope(Map<Integer, S> bySlot, Set<Integer> slots, Streamed stream) {
        return of(bySlot, slots);
    }

    /** What one snapshot drained from the ring buffer: the events, and the import trees built from them. */
    record Streamed(List<StreamEvent> events, ImportTrees trees, long originNanos) {}

    /** The sections of {@code slots} added up (one window name may have a Python and a Java slot). */
    final S of(Map<Integer, S> bySlot, Collection<Integer> slots) {
        S sum = nothing();
        for (int slot : slots) {
            S s = bySlot.get(slot);
            if (s != null) {
                sum = sum.plus(s);
            }
        }
        return sum;
    }
}

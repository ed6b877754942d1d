package dev.pybudget.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pybudget.recording.Section;
import java.util.Optional;

/**
 * A family on CPython's own probes (gc, imports, calls, audit): its object is loaded when CPython has the probes
 * (or, through {@link SymbolProbes}, the functions) it attaches to, not by an option; every scope has its section
 * (zeros when not measured: the text report and the checks say so from the recording's missing probes); and its
 * fields stand in each scope of the JSON report as they did before families, so {@link #writeScope} is its JSON.
 */
abstract class InterpreterFamily<S extends Section<S>> extends ProbeFamily<S> {
    private final String name;
    private final Class<S> type;
    private final S nothing;
    private final Concern concern;

    InterpreterFamily(String name, Class<S> type, S nothing, Concern concern) {
        this.name = name;
        this.type = type;
        this.nothing = nothing;
        this.concern = concern;
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final Class<S> sectionType() {
        return type;
    }

    @Override
    public final S nothing() {
        return nothing;
    }

    @Override
    final Concern concern() {
        return concern;
    }

    /** Always read: the maps it reads are made by whichever object a trace loads (empty when its own was not). */
    @Override
    final boolean loaded(BpfObjects bpf) {
        return true;
    }

    /** Loaded by CPython's probes, not by an option ({@link #optional()} is false); its settings, where it has any, are Tracer's (CPython's layout, the call pattern). */
    @Override
    final byte[] settings(TraceOptions options) {
        return new byte[0];
    }

    @Override
    public void writeJson(ObjectNode node, S section) {
        writeScope(node, Optional.of(section));
    }

    @Override
    public S readJson(JsonNode node) {
        return readScope(node).orElse(nothing);
    }
}

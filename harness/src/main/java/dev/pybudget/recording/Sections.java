package dev.pybudget.recording;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the interpreter did in one scope: the whole run or one window, one {@link Section} per probe family that
 * was recorded, by family name. Counts come from kernel maps and are exact; the import tree and the audit events
 * come from the event stream, complete only when the recording lost no events.
 *
 * @param families each family's section, in the order the engine lists its families: "gc" ({@link GcStats}),
 *                 "imports" ({@link ImportStats}), "calls" ({@link CallStats}), "audit" ({@link AuditStats}),
 *                 "kernel" ({@link KernelStats}, only when {@code TraceOptions.withKernelContext(true)}), then
 *                 any other; a family that was not recorded has no entry
 */
public record Sections(Map<String, Section<?>> families) {

    public Sections {
        families = Collections.unmodifiableMap(new LinkedHashMap<>(families));
    }

    /** The interpreter's four families. */
    public Sections(GcStats gc, long importCount, List<ImportNode> imports, List<CallCount> calls,
                    List<AuditCount> audit, List<AuditEvent> auditEvents) {
        this(gc, importCount, imports, calls, audit, auditEvents, Map.of());
    }

    /** The interpreter's four families, then the sections of {@code others} that are not one of them. */
    public Sections(GcStats gc, long importCount, List<ImportNode> imports, List<CallCount> calls,
                    List<AuditCount> audit, List<AuditEvent> auditEvents, Map<String, Section<?>> others) {
        this(interpreter(gc, new ImportStats(importCount, imports), new CallStats(calls), new AuditStats(audit, auditEvents),
                others));
    }

    /**
     * Sections with this kernel context.
     *
     * @deprecated the kernel context is one family's section: use {@link #with(String, Optional)} with
     *             {@link KernelStats#FAMILY}
     */
    @Deprecated
    public Sections(GcStats gc, long importCount, List<ImportNode> imports, List<CallCount> calls,
                    List<AuditCount> audit, List<AuditEvent> auditEvents, Optional<KernelStats> kernel) {
        this(gc, importCount, imports, calls, audit, auditEvents,
                kernel.<Map<String, Section<?>>>map(k -> Map.of(KernelStats.FAMILY, k)).orElse(Map.of()));
    }

    private static Map<String, Section<?>> interpreter(GcStats gc, ImportStats imports, CallStats calls, AuditStats audit,
                                                       Map<String, Section<?>> others) {
        Map<String, Section<?>> all = new LinkedHashMap<>();
        all.put(GcStats.FAMILY, gc);
        all.put(ImportStats.FAMILY, imports);
        all.put(CallStats.FAMILY, calls);
        all.put(AuditStats.FAMILY, audit);
        others.forEach(all::putIfAbsent);
        return all;
    }

    /** The section of the family named {@code family} ("kernel"); empty when that family was not recorded. */
    public <S extends Section<S>> Optional<S> section(String family, Class<S> type) {
        return Optional.ofNullable(families.get(family)).map(type::cast);
    }

    /** These sections with the family's section {@code section} (none: without it), in the same place. */
    public Sections with(String family, Optional<? extends Section<?>> section) {
        Map<String, Section<?>> more = new LinkedHashMap<>(families);
        if (section.isPresent()) {
            more.put(family, section.get());
        } else {
            more.remove(family);
        }
        return new Sections(more);
    }

    public GcStats gc() {
        return section(GcStats.FAMILY, GcStats.class).orElse(GcStats.NOTHING);
    }

    /** Exact number of imports, counted in the kernel. */
    public long importCount() {
        return importStats().count();
    }

    /** The import tree from the stream. */
    public List<ImportNode> imports() {
        return importStats().tree();
    }

    private ImportStats importStats() {
        return section(ImportStats.FAMILY, ImportStats.class).orElse(ImportStats.NOTHING);
    }

    public List<CallCount> calls() {
        return section(CallStats.FAMILY, CallStats.class).orElse(CallStats.NOTHING).counts();
    }

    public List<AuditCount> audit() {
        return auditStats().counts();
    }

    public List<AuditEvent> auditEvents() {
        return auditStats().events();
    }

    private AuditStats auditStats() {
        return section(AuditStats.FAMILY, AuditStats.class).orElse(AuditStats.NOTHING);
    }

    /** Off-CPU time, context switches, page faults and syscalls; empty when the kernel context was not recorded. */
    public Optional<KernelStats> kernel() {
        return section(KernelStats.FAMILY, KernelStats.class);
    }

    /** These sections with this kernel context. */
    public Sections withKernel(Optional<KernelStats> stats) {
        return with(KernelStats.FAMILY, stats);
    }

    /** Every import in the tree, depth first. */
    public List<ImportNode> allImports() {
        List<ImportNode> all = new ArrayList<>();
        imports().forEach(root -> root.forEach(all::add));
        return all;
    }

    public long calls(String file, String function) {
        return calls().stream().filter(c -> c.file().equals(file) && c.function().equals(function))
                .mapToLong(CallCount::count).sum();
    }

    public long auditCount(String event) {
        return audit().stream().filter(a -> a.event().equals(event)).mapToLong(AuditCount::count).sum();
    }
}

package dev.pybudget.recording;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the interpreter did in one scope: the whole run or one window. Counts come from
 * kernel maps and are exact; {@code imports} (the tree) and {@code auditEvents} come from
 * the event stream, complete only when the recording lost no events.
 *
 * @param importCount exact number of imports, counted in the kernel
 * @param families    the sections of the probe families that were recorded, by family name, in the order the
 *                    engine lists its families (the kernel context as "kernel": off-CPU time, context switches,
 *                    page faults and syscalls, when {@code TraceOptions.withKernelContext(true)}); a family that
 *                    was not recorded has no entry
 */
public record Sections(GcStats gc, long importCount, List<ImportNode> imports, List<CallCount> calls,
                       List<AuditCount> audit, List<AuditEvent> auditEvents, Map<String, Section<?>> families) {

    /** Sections without any family's section. */
    public Sections(GcStats gc, long importCount, List<ImportNode> imports, List<CallCount> calls,
                    List<AuditCount> audit, List<AuditEvent> auditEvents) {
        this(gc, importCount, imports, calls, audit, auditEvents, Map.of());
    }

    /**
     * Sections with this kernel context.
     *
     * @deprecated the kernel context is one family's section: use the canonical constructor's {@code families}
     *             or {@link #with(String, Optional)} with {@link KernelStats#FAMILY}
     */
    @Deprecated
    public Sections(GcStats gc, long importCount, List<ImportNode> imports, List<CallCount> calls,
                    List<AuditCount> audit, List<AuditEvent> auditEvents, Optional<KernelStats> kernel) {
        this(gc, importCount, imports, calls, audit, auditEvents,
                kernel.<Map<String, Section<?>>>map(k -> Map.of(KernelStats.FAMILY, k)).orElse(Map.of()));
    }

    public Sections {
        imports = List.copyOf(imports);
        calls = List.copyOf(calls);
        audit = List.copyOf(audit);
        auditEvents = List.copyOf(auditEvents);
        families = Collections.unmodifiableMap(new LinkedHashMap<>(families));
    }

    /** The section of the family named {@code family} ("kernel"); empty when that family was not recorded. */
    public <S extends Section<S>> Optional<S> section(String family, Class<S> type) {
        return Optional.ofNullable(families.get(family)).map(type::cast);
    }

    /** These sections with the family's section {@code section} (none: without it). */
    public Sections with(String family, Optional<? extends Section<?>> section) {
        Map<String, Section<?>> more = new LinkedHashMap<>(families);
        more.remove(family);
        section.ifPresent(s -> more.put(family, s));
        return new Sections(gc, importCount, imports, calls, audit, auditEvents, more);
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
        imports.forEach(root -> root.forEach(all::add));
        return all;
    }

    public long calls(String file, String function) {
        return calls.stream().filter(c -> c.file().equals(file) && c.function().equals(function))
                .mapToLong(CallCount::count).sum();
    }

    public long auditCount(String event) {
        return audit.stream().filter(a -> a.event().equals(event)).mapToLong(AuditCount::count).sum();
    }
}

package dev.pybudget.recording;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What the interpreter did in one scope: the whole run or one window. Counts come from
 * kernel maps and are exact; {@code imports} (the tree) and {@code auditEvents} come from
 * the event stream, complete only when the recording lost no events.
 *
 * @param importCount exact number of imports, counted in the kernel
 * @param kernel      off-CPU time, context switches, page faults and syscalls; empty when the kernel
 *                    context was not recorded (TraceOptions.withKernelContext)
 * @param gil         waits for the GIL; empty when they were not recorded (TraceOptions.withGilWaits)
 */
public record Sections(GcStats gc, long importCount, List<ImportNode> imports, List<CallCount> calls,
                       List<AuditCount> audit, List<AuditEvent> auditEvents, Optional<KernelStats> kernel,
                       Optional<GilStats> gil) {

    /** Sections without the GIL waits. */
    public Sections(GcStats gc, long importCount, List<ImportNode> imports, List<CallCount> calls,
                    List<AuditCount> audit, List<AuditEvent> auditEvents, Optional<KernelStats> kernel) {
        this(gc, importCount, imports, calls, audit, auditEvents, kernel, Optional.empty());
    }

    /** Sections without the kernel context. */
    public Sections(GcStats gc, long importCount, List<ImportNode> imports, List<CallCount> calls,
                    List<AuditCount> audit, List<AuditEvent> auditEvents) {
        this(gc, importCount, imports, calls, audit, auditEvents, Optional.empty());
    }

    /** These sections with this kernel context. */
    public Sections withKernel(Optional<KernelStats> stats) {
        return new Sections(gc, importCount, imports, calls, audit, auditEvents, stats, gil);
    }

    /** These sections with these GIL waits. */
    public Sections withGil(Optional<GilStats> stats) {
        return new Sections(gc, importCount, imports, calls, audit, auditEvents, kernel, stats);
    }

    public Sections {
        imports = List.copyOf(imports);
        calls = List.copyOf(calls);
        audit = List.copyOf(audit);
        auditEvents = List.copyOf(auditEvents);
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

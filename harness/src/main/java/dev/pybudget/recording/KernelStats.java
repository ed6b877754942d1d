package dev.pybudget.recording;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The kernel's side of a scope, counted in the kernel for the workload's threads: off-CPU time,
 * context switches, page faults and syscalls. Off-CPU intervals count in the scopes open on the
 * thread when it is switched back in; a Java window holds every thread.
 *
 * @param offCpuRunnableNanos time switched out while runnable (preempted, waiting for a CPU)
 * @param offCpuBlockedNanos  time switched out blocked (sleeping, waiting for I/O or a lock)
 * @param offCpuIntervals     how many off-CPU intervals ended in the scope
 * @param voluntarySwitches   switches the thread asked for (getrusage's ru_nvcsw)
 * @param involuntarySwitches switches it was made to (ru_nivcsw)
 * @param minorFaults         page faults served without I/O (ru_minflt)
 * @param majorFaults         page faults that waited for I/O (ru_majflt)
 * @param syscalls            every syscall entered
 * @param unnamedSyscalls     syscalls counted in {@code syscalls} that had no room to be counted by name
 * @param syscallsByName      per syscall, most first
 * @param offCpuUnmatched     switches whose other half the scheduler tracepoint did not deliver: off-CPU
 *                            time is short by as many intervals
 * @param offCpuRecovered     intervals whose switch-in the tracepoint did not deliver, measured at the thread's
 *                            next switch-out from the CPU time it ran since it was picked (in the off-CPU time
 *                            and {@code offCpuIntervals}, not in {@code offCpuUnmatched})
 */
public record KernelStats(long offCpuRunnableNanos, long offCpuBlockedNanos, long offCpuIntervals,
                          long voluntarySwitches, long involuntarySwitches, long minorFaults, long majorFaults,
                          long syscalls, long unnamedSyscalls, List<SyscallCount> syscallsByName, long offCpuUnmatched,
                          long offCpuRecovered)
        implements Section<KernelStats> {

    /** The kernel-context family's name: its key in {@link Sections#families()} and its field in the JSON report. */
    public static final String FAMILY = "kernel";

    public KernelStats {
        syscallsByName = sorted(syscallsByName);
    }

    /** With every switch matched. */
    public KernelStats(long offCpuRunnableNanos, long offCpuBlockedNanos, long offCpuIntervals, long voluntarySwitches,
                       long involuntarySwitches, long minorFaults, long majorFaults, long syscalls, long unnamedSyscalls,
                       List<SyscallCount> syscallsByName) {
        this(offCpuRunnableNanos, offCpuBlockedNanos, offCpuIntervals, voluntarySwitches, involuntarySwitches, minorFaults,
                majorFaults, syscalls, unnamedSyscalls, syscallsByName, 0, 0);
    }

    /** With no interval recovered (the shape before {@code offCpuRecovered}). */
    public KernelStats(long offCpuRunnableNanos, long offCpuBlockedNanos, long offCpuIntervals, long voluntarySwitches,
                       long involuntarySwitches, long minorFaults, long majorFaults, long syscalls, long unnamedSyscalls,
                       List<SyscallCount> syscallsByName, long offCpuUnmatched) {
        this(offCpuRunnableNanos, offCpuBlockedNanos, offCpuIntervals, voluntarySwitches, involuntarySwitches, minorFaults,
                majorFaults, syscalls, unnamedSyscalls, syscallsByName, offCpuUnmatched, 0);
    }

    public static final KernelStats NOTHING = new KernelStats(0, 0, 0, 0, 0, 0, 0, 0, 0, List.of());

    public long offCpuNanos() {
        return offCpuRunnableNanos + offCpuBlockedNanos;
    }

    public long contextSwitches() {
        return voluntarySwitches + involuntarySwitches;
    }

    /** Entries of the syscall {@code name} ("openat"); 0 when it was not entered. */
    public long syscalls(String name) {
        return syscallsByName.stream().filter(s -> s.name().equals(name)).mapToLong(SyscallCount::count).sum();
    }

    @Override
    public boolean isEmpty() {
        return equals(NOTHING);
    }

    /** Both together: two slots of one window (opened from Python and from Java) add up. */
    @Override
    public KernelStats plus(KernelStats o) {
        return combine(o, 1);
    }

    /** What happened after {@code earlier}, a reading of the same scope. */
    @Override
    public KernelStats minus(KernelStats earlier) {
        return combine(earlier, -1);
    }

    private KernelStats combine(KernelStats o, int sign) {
        List<SyscallCount> names = NamedCounts.combine(syscallsByName, o.syscallsByName, sign, SyscallCount::name,
                SyscallCount::count, (s, n) -> new SyscallCount(s.name(), n));
        return new KernelStats(offCpuRunnableNanos + sign * o.offCpuRunnableNanos, offCpuBlockedNanos + sign * o.offCpuBlockedNanos,
                offCpuIntervals + sign * o.offCpuIntervals, voluntarySwitches + sign * o.voluntarySwitches,
                involuntarySwitches + sign * o.involuntarySwitches, minorFaults + sign * o.minorFaults,
                majorFaults + sign * o.majorFaults, syscalls + sign * o.syscalls, unnamedSyscalls + sign * o.unnamedSyscalls, names,
                offCpuUnmatched + sign * o.offCpuUnmatched, offCpuRecovered + sign * o.offCpuRecovered);
    }

    /**
     * Two lines ("\n" between them) a person reads, in reports and in failure messages: "Kernel: off-CPU 12.300 ms (runnable
     * 3.800 ms, blocked 8.500 ms, 7 intervals); context switches: 3 voluntary, 2 involuntary; page faults:
     * 2 minor, 0 major" and "  syscalls: 81 (getppid 50, newfstatat 20, ...)", the {@code top} most entered.
     */
    public static String describe(KernelStats k, int top) {
        StringBuilder s = new StringBuilder(ReportText.format(
                "Kernel: off-CPU %s (runnable %s, blocked %s, %d intervals); context switches: %d voluntary, %d involuntary;"
                        + " page faults: %d minor, %d major\n  syscalls: %d", ReportText.millis(k.offCpuNanos()), ReportText.millis(k.offCpuRunnableNanos()),
                ReportText.millis(k.offCpuBlockedNanos()), k.offCpuIntervals(), k.voluntarySwitches(), k.involuntarySwitches(),
                k.minorFaults(), k.majorFaults(), k.syscalls()));
        if (!k.syscallsByName().isEmpty()) {
            s.append(" (").append(String.join(", ", k.syscallsByName().stream().limit(top)
                    .map(c -> c.name() + " " + c.count()).toList()));
            if (k.syscallsByName().size() > top) {
                s.append(", ... ").append(k.syscallsByName().size() - top).append(" more");
            }
            s.append(")");
        }
        if (k.offCpuUnmatched() > 0) {
            s.append("; ").append(k.offCpuUnmatched()).append(" switches not delivered by the scheduler tracepoint");
        }
        if (k.offCpuRecovered() > 0) {
            s.append("; ").append(k.offCpuRecovered()).append(" switch-ins not delivered by the scheduler tracepoint,"
                    + " their intervals measured at the next switch-out");
        }
        if (k.unnamedSyscalls() > 0) {
            s.append("; ").append(k.unnamedSyscalls()).append(" had no room to be counted by name");
        }
        return s.toString();
    }

    private static List<SyscallCount> sorted(List<SyscallCount> list) {
        List<SyscallCount> copy = new ArrayList<>(list);
        copy.sort(Comparator.comparing(SyscallCount::count).reversed().thenComparing(SyscallCount::name));
        return List.copyOf(copy);
    }
}

package dev.pybudget.junit;

import static dev.pybudget.junit.Budget.invalid;
import static dev.pybudget.junit.Budget.label;

import dev.pybudget.assertions.internal.KernelChecks;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The kernel-context family's annotations, {@link SyscallBudget} and {@link KernelBudget}, as budgets. */
final class KernelAnnotations {
    private KernelAnnotations() {}

    static final AnnotationBudgets<SyscallBudget> SYSCALLS = new AnnotationBudgets<>(SyscallBudget.class, syscalls -> {
        if (syscalls.max() < 0) {
            throw invalid("@SyscallBudget(max = " + syscalls.max() + "): max is at least 0.");
        }
        try {
            KernelChecks.requireSyscallName(syscalls.syscall());
        } catch (IllegalArgumentException e) {
            throw invalid("@SyscallBudget: " + e.getMessage());
        }
        return List.of(new Budget(label("SyscallBudget", syscalls.window(), "syscall = \"" + syscalls.syscall() + "\"",
                "max = " + syscalls.max()), syscalls.window(),
                s -> KernelChecks.syscallsAtMost(s, syscalls.syscall(), syscalls.max())));
    });

    static final AnnotationBudgets<KernelBudget> KERNEL = new AnnotationBudgets<>(KernelBudget.class, k -> {
        if (k.maxMajorFaults() < -1 || k.maxMinorFaults() < -1 || k.maxContextSwitches() < -1 || k.offCpuBelowMillis() == 0
                || k.offCpuBelowMillis() < -1) {
            throw invalid("@KernelBudget: a budget is at least 0 (offCpuBelowMillis at least 1), or -1 for none.");
        }
        String w = k.window();
        List<Budget> budgets = new ArrayList<>();
        if (k.maxMajorFaults() >= 0) {
            budgets.add(new Budget(label("KernelBudget", w, "maxMajorFaults = " + k.maxMajorFaults()), w,
                    s -> KernelChecks.majorFaultsAtMost(s, k.maxMajorFaults())));
        }
        if (k.maxMinorFaults() >= 0) {
            budgets.add(new Budget(label("KernelBudget", w, "maxMinorFaults = " + k.maxMinorFaults()), w,
                    s -> KernelChecks.minorFaultsAtMost(s, k.maxMinorFaults())));
        }
        if (k.maxContextSwitches() >= 0) {
            budgets.add(new Budget(label("KernelBudget", w, "maxContextSwitches = " + k.maxContextSwitches()), w,
                    s -> KernelChecks.contextSwitchesAtMost(s, k.maxContextSwitches())));
        }
        if (k.offCpuBelowMillis() > 0) {
            budgets.add(new Budget(label("KernelBudget", w, "offCpuBelowMillis = " + k.offCpuBelowMillis()), w,
                    s -> KernelChecks.offCpuBelow(s, Duration.ofMillis(k.offCpuBelowMillis()))));
        }
        if (budgets.isEmpty()) {
            throw invalid("@KernelBudget sets no budget: give maxMajorFaults, maxMinorFaults, maxContextSwitches or"
                    + " offCpuBelowMillis.");
        }
        return budgets;
    });
}

// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0-only)
/* Kernel context of the workload's threads, per scope: off-CPU time (switched out until switched
 * back in, split into runnable-wait and blocked), voluntary and involuntary context switches, minor
 * and major page faults, syscalls by number. BTF tracepoints (tp_btf: no tracefs needed) and two
 * software perf events opened on the workload (page faults, inherited by its threads).
 *
 * Tracepoints run for every process of the machine and see host pids; the engine may see another
 * pid namespace (a container). The workload is recognised with bpf_get_ns_current_pid_tgid in the
 * engine's namespace until its host tgid is known, then by that tgid alone. */
#include "scopes.bpf.h"
#include "maps.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Only the fields read here; libbpf relocates their offsets against the kernel's BTF (CO-RE). */
struct sched_entity {
	unsigned long long sum_exec_runtime;      /* CPU time, ns */
	unsigned long long prev_sum_exec_runtime; /* sum_exec_runtime when the task was last picked to run */
} __attribute__((preserve_access_index));

struct task_struct {
	int pid;
	int tgid;
	unsigned long nvcsw;
	unsigned long nivcsw;
	struct sched_entity se;
} __attribute__((preserve_access_index));

#define TASK_RUNNING 0
#define TASK_DEAD    0x80

const volatile struct kernel_settings settings = {};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MAX_SLOTS);
	__type(key, __u32);
	__type(value, struct kernel_scope_stats);
} kernel_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct syscall_key);
	__type(value, __u64);
} syscall_counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct kernel_target);
} kernel_target SEC(".maps");

/* Per thread of the workload (host tid): when it went off CPU and how, and its nvcsw then. LRU: a
 * thread that exits is switched out for the last time and never comes back. */
struct thread_sched {
	__u64 off_since_ns;   /* 0 while on CPU */
	__u64 nvcsw;          /* task->nvcsw at its last switch-out */
	__u32 runnable;       /* switched out while TASK_RUNNING: preempted */
	__u32 seen;           /* nvcsw holds a reading */
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, struct thread_sched);
} thread_sched SEC(".maps");

static __always_inline struct kernel_target *target(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&kernel_target, &zero);
}

/* Whether the current task belongs to the workload; learns its host tgid on the first hit. */
static __always_inline bool current_is_workload(void)
{
	struct kernel_target *t = target();
	if (!t || !t->ns_tgid)
		return false;
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	if (t->host_tgid)
		return tgid == t->host_tgid;
	struct bpf_pidns_info ns = {};
	if (bpf_get_ns_current_pid_tgid(settings.pidns_dev, settings.pidns_ino, &ns, sizeof(ns)))
		return false;
	if (ns.tgid != t->ns_tgid)
		return false;
	t->host_tgid = tgid;
	return true;
}

static __always_inline struct kernel_scope_stats *kernel_stats_of(__u32 slot)
{
	return bpf_map_lookup_elem(&kernel_stats, &slot);
}

/* What one event adds to each of its scopes; a bpf_loop callback checks the body once. */
struct kernel_add {
	struct scope_list scopes;
	__u32 field;  /* enum kernel_field */
	__u32 nr;     /* syscall number, for F_SYSCALL */
	__u64 amount;
};

enum kernel_field {
	F_OFFCPU_RUNNABLE,
	F_OFFCPU_BLOCKED,
	F_VOLUNTARY,
	F_INVOLUNTARY,
	F_MINOR_FAULT,
	F_MAJOR_FAULT,
	F_SYSCALL,
	F_UNMATCHED,
	F_RECOVERED,
};

static long add_one(__u32 i, struct kernel_add *c)
{
	__u32 slot = c->scopes.slot[i & 15];
	struct kernel_scope_stats *s = kernel_stats_of(slot);
	if (!s)
		return 0;
	switch (c->field) {
	case F_OFFCPU_RUNNABLE:
		__sync_fetch_and_add(&s->offcpu_runnable_ns, c->amount);
		__sync_fetch_and_add(&s->offcpu_count, 1);
		break;
	case F_OFFCPU_BLOCKED:
		__sync_fetch_and_add(&s->offcpu_blocked_ns, c->amount);
		__sync_fetch_and_add(&s->offcpu_count, 1);
		break;
	case F_VOLUNTARY:
		__sync_fetch_and_add(&s->voluntary_switches, 1);
		break;
	case F_INVOLUNTARY:
		__sync_fetch_and_add(&s->involuntary_switches, 1);
		break;
	case F_MINOR_FAULT:
		__sync_fetch_and_add(&s->minor_faults, 1);
		break;
	case F_MAJOR_FAULT:
		__sync_fetch_and_add(&s->major_faults, 1);
		break;
	case F_UNMATCHED:
		__sync_fetch_and_add(&s->offcpu_unmatched, 1);
		break;
	case F_RECOVERED:
		__sync_fetch_and_add(&s->offcpu_recovered, 1);
		break;
	case F_SYSCALL: {
		__sync_fetch_and_add(&s->syscalls, 1);
		struct syscall_key key = { .slot = slot, .nr = c->nr };
		if (!increment(&syscall_counts, &key))
			__sync_fetch_and_add(&s->syscalls_unnamed, 1);
		break;
	}
	}
	return 0;
}

/* Adds to every scope open on thread tid. */
static __always_inline void add_to_scopes(__u32 tid, __u32 field, __u64 amount, __u32 nr)
{
	struct kernel_add c = { .field = field, .amount = amount, .nr = nr };
	int n = current_scopes(tid, &c.scopes);
	bpf_loop(n, add_one, &c, 0);
}

SEC("tp_btf/sched_switch")
int BPF_PROG(sched_switch, bool preempt, struct task_struct *prev, struct task_struct *next, unsigned int prev_state)
{
	if (!settings.count_switches)
		return 0;
	__u64 now = bpf_ktime_get_ns();

	/* prev is the current task here: the switch has not happened yet. */
	if (current_is_workload()) {
		__u32 tid = prev->pid;
		struct thread_sched *t = bpf_map_lookup_elem(&thread_sched, &tid);
		if (!t) {
			struct thread_sched fresh = {};
			bpf_map_update_elem(&thread_sched, &tid, &fresh, BPF_ANY);
			t = bpf_map_lookup_elem(&thread_sched, &tid);
		}
		if (t) {
			/* The kernel has already counted this switch in nvcsw or nivcsw: the one that grew since
			 * the thread's last switch, or, at a thread's first switch, the one that is 1. A thread
			 * that switched before we saw it (the gated shell's) falls back once on what the kernel
			 * decides it on (not preempted and not runnable: voluntary), which misses only a wait
			 * interrupted by a signal. */
			__u64 nvcsw = prev->nvcsw;
			bool voluntary;
			if (t->seen)
				voluntary = nvcsw != t->nvcsw;
			else if (nvcsw + prev->nivcsw == 1)
				voluntary = nvcsw == 1;
			else
				voluntary = !preempt && prev_state != TASK_RUNNING;
			/* Still off since a switch-out whose switch-in never reached us: this kernel (6.18) now
			 * and then runs a woken thread with no sched_switch for it that reaches any program
			 * (bpftrace's tracepoint misses the same one), about one run in thirty of the
			 * kernel_context fixture under load. The thread has run for sum_exec_runtime -
			 * prev_sum_exec_runtime since it was picked, so it came back at now minus that: the
			 * interval is recovered here, in the scopes open now (a window mark in that slice of
			 * CPU time would move it to the next scope; the marks are not in it for the sleeping
			 * window of the fixture). */
			if (t->seen && t->off_since_ns) {
				__u64 ran = prev->se.sum_exec_runtime - prev->se.prev_sum_exec_runtime;
				__u64 back_at = now - ran;
				if (ran < now && back_at > t->off_since_ns) {
					add_to_scopes(tid, t->runnable ? F_OFFCPU_RUNNABLE : F_OFFCPU_BLOCKED,
						      back_at - t->off_since_ns, 0);
					add_to_scopes(tid, F_RECOVERED, 1, 0);
				} else {
					add_to_scopes(tid, F_UNMATCHED, 1, 0);
				}
			}
			t->nvcsw = nvcsw;
			t->seen = 1;
			t->off_since_ns = now;
			t->runnable = prev_state == TASK_RUNNING;
			add_to_scopes(tid, voluntary ? F_VOLUNTARY : F_INVOLUNTARY, 1, 0);
			/* Its last switch: a thread that later gets this tid starts afresh. */
			if (prev_state & TASK_DEAD)
				bpf_map_delete_elem(&thread_sched, &tid);
		}
	}

	struct kernel_target *tg = target();
	if (!tg || !tg->host_tgid || next->tgid != tg->host_tgid)
		return 0;
	/* next comes back: its off-CPU interval counts in the scopes open on it now. */
	__u32 next_tid = next->pid;
	struct thread_sched *back = bpf_map_lookup_elem(&thread_sched, &next_tid);
	if (!back)
		return 0; /* not seen switching out since we attached: its first run, or the gated shell's */
	if (!back->off_since_ns) {
		/* Back in again with no switch-out in between that reached us. */
		add_to_scopes(next_tid, F_UNMATCHED, 1, 0);
		return 0;
	}
	__u64 off = now - back->off_since_ns;
	__u32 field = back->runnable ? F_OFFCPU_RUNNABLE : F_OFFCPU_BLOCKED;
	back->off_since_ns = 0;
	add_to_scopes(next_tid, field, off, 0);
	return 0;
}

/* x86-64's uretprobe(2) (Linux 6.11+; Debian 12's headers predate it): the kernel's return trampoline
 * calls it on every return a uretprobe catches, ours on take_gil included, and a program cannot call it
 * itself (the kernel answers SIGILL outside the trampoline). It is the tracer's, never the workload's. */
#if defined(__TARGET_ARCH_x86)
#define NR_URETPROBE 335
#else
#define NR_URETPROBE -1 /* no such syscall elsewhere */
#endif

SEC("tp_btf/sys_enter")
int BPF_PROG(sys_enter, struct pt_regs *regs, long id)
{
	if (!settings.count_syscalls || !current_is_workload() || id == NR_URETPROBE)
		return 0;
	add_to_scopes(current_tid(), F_SYSCALL, 1, (__u32)id);
	return 0;
}

/* Opened by the engine on the workload, one event a fault: the kernel emits them where it counts
 * ru_minflt and ru_majflt. Inherited by every thread it starts, and by the processes it forks too:
 * those are not the workload, as for the tracepoints. */
SEC("perf_event")
int minor_fault(void *ctx)
{
	if (current_is_workload())
		add_to_scopes(current_tid(), F_MINOR_FAULT, 1, 0);
	return 0;
}

SEC("perf_event")
int major_fault(void *ctx)
{
	if (current_is_workload())
		add_to_scopes(current_tid(), F_MAJOR_FAULT, 1, 0);
	return 0;
}

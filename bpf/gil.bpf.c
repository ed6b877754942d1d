// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0-only)
/* GIL waits: from entry to return of CPython's internal take_gil(tstate) on a thread, per scope:
 * acquisitions, total, max and a log2 histogram of the wait. CPython has no marker for it; the engine
 * attaches these programs by file offset to take_gil (or its LTO clone) found in the symbol table or in
 * the build-id debug file.
 *
 * take_gil is entered on every acquisition, also one that finds the GIL free (after a blocking call,
 * when nobody else wanted it): those return in about a microsecond without sleeping. An acquisition is
 * *contended* when the thread slept inside take_gil: its voluntary context switches (task->nvcsw, what
 * getrusage calls ru_nvcsw) grew between entry and return. take_gil sleeps only on the GIL's mutex or
 * condition variable, that is when another thread holds the GIL or is taking it; a preemption is an
 * involuntary switch and does not count. With one thread nothing else ever holds the GIL: no acquisition
 * is contended (short of a major page fault inside take_gil). This needs no probe on drop_gil, which LTO
 * inlines into some of its callers (Debian's 3.11: PyEval_SaveThread in os.stat, os.listdir, FileIO.write),
 * where a uprobe would miss it. */
#include "scopes.bpf.h"
#include "bits.bpf.h"
#include <bpf/bpf_core_read.h>

/* Only the field read here; libbpf relocates its offset against the kernel's BTF (CO-RE). */
struct task_struct {
	unsigned long nvcsw;
} __attribute__((preserve_access_index));

char LICENSE[] SEC("license") = "Dual BSD/GPL";

const volatile struct gil_settings settings = {};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MAX_SLOTS);
	__type(key, __u32);
	__type(value, struct gil_scope_stats);
} gil_stats SEC(".maps");

/* A thread inside take_gil: since when, and its voluntary switches then. */
struct gil_entry {
	__u64 ts_ns;
	__u64 nvcsw;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct gil_entry);
} gil_entered SEC(".maps");

static __always_inline __u64 voluntary_switches(void)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	return BPF_CORE_READ(task, nvcsw);
}

SEC("uprobe")
int take_gil_entry(struct pt_regs *ctx)
{
	__u32 tid = current_tid();
	struct gil_entry e = { .ts_ns = bpf_ktime_get_ns(), .nvcsw = voluntary_switches() };
	/* Still inside from an entry whose return never came: counted, and replaced. */
	if (bpf_map_lookup_elem(&gil_entered, &tid))
		count_loss(LOSS_GIL_UNPAIRED);
	bpf_map_update_elem(&gil_entered, &tid, &e, BPF_ANY);
	return 0;
}

/* What one acquisition adds to each of its scopes; a bpf_loop callback checks the body once. */
struct gil_add {
	struct scope_list scopes;
	__u64 wait;
	__u32 bucket;
	__u32 contended;
};

static long gil_add_one(__u32 i, struct gil_add *c)
{
	__u32 slot = c->scopes.slot[i & 15];
	struct gil_scope_stats *s = bpf_map_lookup_elem(&gil_stats, &slot);
	if (!s)
		return 0;
	__u32 bucket = c->bucket;
	if (bucket >= HIST_BUCKETS) /* for the verifier: log2_bucket stays below */
		bucket = HIST_BUCKETS - 1;
	__sync_fetch_and_add(&s->wait_total_ns, c->wait);
	__sync_fetch_and_add(&s->wait_hist[bucket], 1);
	/* Threads of one scope return from take_gil at once only when a wait ends in a race; a lost
	 * maximum there is one of two concurrent values, both in the histogram. */
	if (c->wait > s->wait_max_ns)
		s->wait_max_ns = c->wait;
	if (c->contended) {
		__sync_fetch_and_add(&s->contended_total_ns, c->wait);
		__sync_fetch_and_add(&s->contended_hist[bucket], 1);
		if (c->wait > s->contended_max_ns)
			s->contended_max_ns = c->wait;
	}
	return 0;
}

SEC("uretprobe")
int take_gil_return(struct pt_regs *ctx)
{
	__u32 tid = current_tid();
	__u64 now = bpf_ktime_get_ns();
	struct gil_entry *e = bpf_map_lookup_elem(&gil_entered, &tid);
	if (!e) {
		/* Entered before the probe was attached: no wait to measure. */
		count_loss(LOSS_GIL_UNPAIRED);
		return 0;
	}
	struct gil_add c = { .wait = now - e->ts_ns };
	c.contended = settings.count_contended && voluntary_switches() != e->nvcsw;
	c.bucket = log2_bucket(c.wait);
	bpf_map_delete_elem(&gil_entered, &tid);
	int n = current_scopes(tid, &c.scopes);
	bpf_loop(n, gil_add_one, &c, 0);
	return 0;
}

/* A thread that ends inside take_gil (a daemon thread at the interpreter's end exits there) never
 * returns from it: its wait is not measured (counted as unpaired). */
SEC("raw_tp/sched_process_exit")
int gil_thread_exit(void *ctx)
{
	__u32 tid = current_tid();
	if (!bpf_map_lookup_elem(&gil_entered, &tid))
		return 0;
	bpf_map_delete_elem(&gil_entered, &tid);
	count_loss(LOSS_GIL_UNPAIRED);
	return 0;
}

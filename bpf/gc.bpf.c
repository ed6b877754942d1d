// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0-only)
/* Garbage collections: count per generation at gc__start (as gc.callbacks "start"
 * does), objects collected and the pause from gc__start to gc__done on the same thread.
 * The pause and the objects count in the scopes the collection was counted in at its
 * start, so that in every scope each collection that ended has exactly one pause: a
 * collection with no pause (collections > pauses) is one that never ended (the process
 * exited or was stopped inside it) or had not ended when the counters were read. */
#include "scopes.bpf.h"
#include "bits.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* A collection running on a thread: when it started, and where it was counted. */
struct gc_start {
	__u64 ts_ns;
	__s32 generation;
	__u32 nscopes;
	struct scope_list scopes;
};

/* Per thread, in the thread's own storage: no hash to search, nothing to insert or delete per collection,
 * and the kernel frees it when the thread exits. ts_ns 0: no collection running. */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct gc_start);
} gc_running SEC(".maps");

/* Per scope, in a bpf_loop callback: the verifier checks the body once, not once per scope
 * and path (unrolled, gc_done alone took half a second to verify). */
static long gc_start_one(__u32 i, struct gc_start *c)
{
	struct scope_stats *s = stats_of(c->scopes.slot[i & 15]);
	if (!s)
		return 0;
	/* Three branches, not an index: the verifier cannot bound a computed one here. */
	if (c->generation <= 0)
		__sync_fetch_and_add(&s->gc_collections[0], 1);
	else if (c->generation == 1)
		__sync_fetch_and_add(&s->gc_collections[1], 1);
	else
		__sync_fetch_and_add(&s->gc_collections[2], 1);
	return 0;
}

SEC("usdt")
int BPF_USDT(gc_start, int generation)
{
	__u32 tid = current_tid();
	struct gc_start now = { .ts_ns = bpf_ktime_get_ns(), .generation = generation };
	int n = current_scopes(tid, &now.scopes);
	now.nscopes = n;

	bpf_loop(n, gc_start_one, &now, 0); /* bpf_loop's context must be on the stack */
	struct gc_start *start = bpf_task_storage_get(&gc_running, bpf_get_current_task_btf(), 0,
						      BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!start)
		return 0; /* no memory for the thread's storage: counted; its end is counted as unpaired */
	__builtin_memcpy(start, &now, sizeof(now));
	return 0;
}

struct gc_done_ctx {
	struct scope_list scopes;
	long collected;
	__u64 pause;
	__u32 bucket;
	__u32 pad;
};

static long gc_done_one(__u32 i, struct gc_done_ctx *c)
{
	struct scope_stats *s = stats_of(c->scopes.slot[i & 15]);
	if (!s)
		return 0;
	__u32 bucket = c->bucket;
	if (bucket >= HIST_BUCKETS) /* for the verifier: log2_bucket stays below */
		bucket = HIST_BUCKETS - 1;
	if (c->collected > 0)
		__sync_fetch_and_add(&s->gc_collected, c->collected);
	__sync_fetch_and_add(&s->gc_pause_count, 1);
	__sync_fetch_and_add(&s->gc_pause_total_ns, c->pause);
	__sync_fetch_and_add(&s->gc_pause_hist[bucket], 1);
	/* Collections do not overlap within a process (the GC holds the GIL),
	 * so a plain compare-and-store keeps the maximum exact. */
	if (c->pause > s->gc_pause_max_ns)
		s->gc_pause_max_ns = c->pause;
	return 0;
}

SEC("usdt")
int BPF_USDT(gc_done, long collected)
{
	struct gc_start *start = bpf_task_storage_get(&gc_running, bpf_get_current_task_btf(), 0, 0);
	if (!start || !start->ts_ns) {
		count_loss(LOSS_GC_UNPAIRED);
		return 0;
	}
	struct gc_done_ctx c = { .collected = collected, .pause = bpf_ktime_get_ns() - start->ts_ns };
	c.bucket = log2_bucket(c.pause);
	__builtin_memcpy(&c.scopes, &start->scopes, sizeof(c.scopes));
	__u32 n = start->nscopes;
	start->ts_ns = 0;
	if (n < 1 || n > MAX_SCOPES) /* for the verifier: gc_start stored 1..MAX_SCOPES */
		n = 1;
	bpf_loop(n, gc_done_one, &c, 0);
	return 0;
}

// SPDX-License-Identifier: Apache-2.0
/* Garbage collections: count per generation at gc__start (as gc.callbacks "start"
 * does), objects collected and the pause from gc__start to gc__done on the same thread. */
#include "common.bpf.h"

struct gc_start {
	__u64 ts_ns;
	__s32 generation;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct gc_start);
} gc_running SEC(".maps");

/* floor(log2(v)), as libbpf-tools' bits.bpf.h computes it: no loop for the verifier. */
static __always_inline __u32 log2_bucket(__u64 v)
{
	__u32 r, shift;
	__u32 hi = v >> 32;
	if (hi) {
		v = hi;
		r = 32;
	} else {
		r = 0;
	}
	__u32 w = v;
	r |= (w > 0xFFFF) << 4; w >>= ((w > 0xFFFF) << 4);
	shift = (w > 0xFF) << 3; w >>= shift; r |= shift;
	shift = (w > 0xF) << 2; w >>= shift; r |= shift;
	shift = (w > 0x3) << 1; w >>= shift; r |= shift;
	r |= (w >> 1);
	return r;
}

SEC("usdt")
int BPF_USDT(gc_start, int generation)
{
	__u32 tid = current_tid();
	struct gc_start start = { .ts_ns = bpf_ktime_get_ns(), .generation = generation };
	__u32 scopes[16];
	int n = current_scopes(tid, scopes);

#pragma unroll
	for (int i = 0; i < MAX_SCOPES; i++) {
		if (i >= n)
			continue;
		struct scope_stats *s = scope_stats_of(scopes, i);
		if (!s)
			continue;
		/* Three branches, not an index: the verifier cannot bound a computed one here. */
		if (generation <= 0)
			__sync_fetch_and_add(&s->gc_collections[0], 1);
		else if (generation == 1)
			__sync_fetch_and_add(&s->gc_collections[1], 1);
		else
			__sync_fetch_and_add(&s->gc_collections[2], 1);
	}
	bpf_map_update_elem(&gc_running, &tid, &start, BPF_ANY);
	return 0;
}

SEC("usdt")
int BPF_USDT(gc_done, long collected)
{
	__u32 tid = current_tid();
	struct gc_start *start = bpf_map_lookup_elem(&gc_running, &tid);
	if (!start) {
		count_loss(LOSS_GC_UNPAIRED);
		return 0;
	}
	__u64 pause = bpf_ktime_get_ns() - start->ts_ns;
	bpf_map_delete_elem(&gc_running, &tid);

	__u32 bucket = log2_bucket(pause);
	if (bucket >= HIST_BUCKETS) /* for the verifier: log2_bucket stays below */
		bucket = HIST_BUCKETS - 1;
	__u32 scopes[16];
	int n = current_scopes(tid, scopes);
#pragma unroll
	for (int i = 0; i < MAX_SCOPES; i++) {
		if (i >= n)
			continue;
		struct scope_stats *s = scope_stats_of(scopes, i);
		if (!s)
			continue;
		if (collected > 0)
			__sync_fetch_and_add(&s->gc_collected, collected);
		__sync_fetch_and_add(&s->gc_pause_count, 1);
		__sync_fetch_and_add(&s->gc_pause_total_ns, pause);
		__sync_fetch_and_add(&s->gc_pause_hist[bucket], 1);
		/* Collections do not overlap within a process (the GC holds the GIL),
		 * so a plain compare-and-store keeps the maximum exact. */
		if (pause > s->gc_pause_max_ns)
			s->gc_pause_max_ns = pause;
	}
	return 0;
}

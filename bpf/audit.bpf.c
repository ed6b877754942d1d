// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0-only)
/* Audit events: counted per (scope, event name) in the kernel. The marks
 * sys.audit("pybudget.begin"/"pybudget.end", name) also open and close the
 * thread's Python windows: begin is counted inside the window it opens,
 * end inside the window it closes. */
#include "windows.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

const volatile struct audit_settings settings = {};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC); /* memory follows use; only a first event of a name in a scope inserts */
	__uint(max_entries, 16384);
	__type(key, struct audit_key);
	__type(value, __u64);
} audit_counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct audit_key);
} audit_scratch SEC(".maps");

#define BEGIN "pybudget.begin"
#define END "pybudget.end"

static __always_inline int is_mark(const char *event, const char *mark, int len)
{
	int differ = 0;
#pragma unroll
	for (int i = 0; i < 16; i++)
		if (i < len)
			differ |= event[i] != mark[i];
	return !differ; /* len includes the NUL, so "pybudget.beginX" does not match */
}

/* Per scope, in a bpf_loop callback: the verifier checks the body once (unrolled, this
 * program took about a second to verify). */
static long count_one(__u32 i, struct scope_list *scopes)
{
	__u32 zero = 0, slot = scopes->slot[i & 15];
	struct audit_key *key = bpf_map_lookup_elem(&audit_scratch, &zero);
	if (!key)
		return 1;
	struct scope_stats *s = stats_of(slot);
	if (s)
		__sync_fetch_and_add(&s->audit_events, 1);
	key->slot = slot;
	if (!increment(&audit_counts, key))
		count_loss(LOSS_AUDIT_MAP_FULL);
	return 0;
}

static __always_inline void count_event(__u32 tid, struct audit_key *key)
{
	struct scope_list scopes = {};
	int n = current_scopes(tid, &scopes);

	bpf_loop(n, count_one, &scopes, 0);
	if (settings.stream_events) {
		struct event *e = reserve_event(EV_AUDIT, tid, &scopes, n);
		if (e) {
			__builtin_memcpy(e->name, key->event, AUDIT_NAME_LEN);
			submit_event(e);
		}
	}
}

/* The audit tuple, the probe's second argument: read only for a window mark (most events are not),
 * as fetching a USDT argument costs a spec lookup and a read of the registers. */
static __always_inline const void *audit_args(struct pt_regs *ctx)
{
	long args = 0;
	if (bpf_usdt_arg(ctx, 1, &args))
		return 0;
	return (const void *)args;
}

SEC("usdt")
int BPF_USDT(audit, const char *event)
{
	__u32 zero = 0, tid = current_tid();
	struct audit_key *key = bpf_map_lookup_elem(&audit_scratch, &zero);
	if (!key)
		return 0;
	__builtin_memset(key, 0, sizeof(*key));
	if (bpf_probe_read_user_str(key->event, sizeof(key->event), event) < 0)
		return 0;

	/* One count_event for all three cases: each inlined copy was verified on its own. */
	int begin = is_mark(key->event, BEGIN, sizeof(BEGIN));
	int end = !begin && is_mark(key->event, END, sizeof(END));
	if (begin)
		open_window(tid, audit_args(ctx), &settings.str);
	count_event(tid, key);
	if (end)
		close_window(tid, audit_args(ctx), &settings.str);
	return 0;
}

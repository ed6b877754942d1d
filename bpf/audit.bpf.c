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

/* The marks, padded with NULs to 16 bytes. */
#define BEGIN "pybudget.begin\0"
#define END "pybudget.end\0\0\0"

static __always_inline __u64 word_of(const char *s)
{
	__u64 w;
	__builtin_memcpy(&w, s, sizeof(w)); /* folded to a constant: s is a literal */
	return w;
}

/* Whether the event is the mark: its first 16 bytes against the mark's, as two words. The name
 * is NUL-padded (key zeroed before it was read), so "pybudget.beginX" does not match. Compared
 * byte by byte, each byte was a branch: 512 paths for the verifier, half of the program's
 * verification. */
static __always_inline int is_mark(const struct audit_key *key, const char mark[16])
{
	const __u64 *event = (const __u64 *)key->event;
	return ((event[0] ^ word_of(mark)) | (event[1] ^ word_of(mark + 8))) == 0;
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

/* A window mark's begin and end, args being the audit tuple (0: none). Global functions: the verifier
 * checks each once, on its own, and the program goes on past the call with one state; inlined, every
 * path through reading the name, finding its slot and streaming the mark went on through the rest of
 * the program, which the verifier then walked once for each. The layout is this object's settings
 * (read-only, so constants to the verifier), not an argument, which the verifier could not bound. */
__attribute__((noinline)) int begin_window(__u32 tid, __u64 args)
{
	open_window(tid, (const void *)args, &settings.str);
	return 0;
}

__attribute__((noinline)) int end_window(__u32 tid, __u64 args)
{
	close_window(tid, (const void *)args, &settings.str);
	return 0;
}

SEC("usdt")
int audit(struct pt_regs *ctx)
{
	const char *event = (const char *)usdt_arg_or_0(ctx, 0);
	__u32 zero = 0, tid = current_tid();
	struct audit_key *key = bpf_map_lookup_elem(&audit_scratch, &zero);
	if (!key)
		return 0;
	__builtin_memset(key, 0, sizeof(*key));
	if (bpf_probe_read_user_str(key->event, sizeof(key->event), event) < 0)
		return 0;

	/* One count_event for all three cases: each inlined copy was verified on its own. */
	int begin = is_mark(key, BEGIN);
	int end = !begin && is_mark(key, END);
	/* The audit tuple, the probe's second argument, is fetched for a mark only (most events are not):
	 * fetching a USDT argument costs a spec lookup and a read of the registers. */
	if (begin)
		begin_window(tid, usdt_arg_or_0(ctx, 1));
	count_event(tid, key);
	if (end)
		end_window(tid, usdt_arg_or_0(ctx, 1));
	return 0;
}

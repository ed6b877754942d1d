// SPDX-License-Identifier: Apache-2.0
/* Audit events: counted per (scope, event name) in the kernel. The marks
 * sys.audit("pybudget.begin"/"pybudget.end", name) also open and close the
 * thread's Python windows: begin is counted inside the window it opens,
 * end inside the window it closes. */
#include "common.bpf.h"

const volatile struct audit_settings settings = {};

__u32 next_py_slot = 0;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC); /* memory follows use; only a first event of a name in a scope inserts */
	__uint(max_entries, 16384);
	__type(key, struct audit_key);
	__type(value, __u64);
} audit_counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PY_SLOT_LAST);
	__type(key, struct window_key);
	__type(value, __u32);
} window_slots SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct audit_key);
} audit_scratch SEC(".maps");

/* A non-ASCII window name: its code units as the str holds them, and the UTF-8 made of them. */
struct name_scratch {
	__u8 raw[256];                /* up to WINDOW_NAME_LEN - 1 characters of 4 bytes */
	char utf8[WINDOW_NAME_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct name_scratch);
} name_scratch SEC(".maps");

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

struct utf8_state {
	struct name_scratch *buf;
	__u32 kind;                   /* bytes per character: 1, 2 or 4 */
	__u32 out;                    /* UTF-8 bytes written */
};

/* Encodes character i of buf->raw as UTF-8; stops, at a character boundary, when the name is full. */
static long utf8_step(__u32 i, struct utf8_state *s)
{
	struct name_scratch *b = s->buf;
	__u32 c;
	if (s->kind == 1)
		c = b->raw[i & 255];
	else if (s->kind == 2)
		c = b->raw[(2 * i) & 255] | (__u32)b->raw[(2 * i + 1) & 255] << 8;
	else
		c = b->raw[(4 * i) & 255] | (__u32)b->raw[(4 * i + 1) & 255] << 8 |
		    (__u32)b->raw[(4 * i + 2) & 255] << 16 | (__u32)b->raw[(4 * i + 3) & 255] << 24;
	__u32 o = s->out;
	__u32 len = c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
	if (o + len > WINDOW_NAME_LEN - 1)
		return 1;
	if (len == 1) {
		b->utf8[o & 63] = c;
	} else if (len == 2) {
		b->utf8[o & 63] = 0xc0 | c >> 6;
		b->utf8[(o + 1) & 63] = 0x80 | (c & 0x3f);
	} else if (len == 3) {
		b->utf8[o & 63] = 0xe0 | c >> 12;
		b->utf8[(o + 1) & 63] = 0x80 | ((c >> 6) & 0x3f);
		b->utf8[(o + 2) & 63] = 0x80 | (c & 0x3f);
	} else {
		b->utf8[o & 63] = 0xf0 | (c >> 18 & 0x07);
		b->utf8[(o + 1) & 63] = 0x80 | ((c >> 12) & 0x3f);
		b->utf8[(o + 2) & 63] = 0x80 | ((c >> 6) & 0x3f);
		b->utf8[(o + 3) & 63] = 0x80 | (c & 0x3f);
	}
	s->out = o + len;
	return 0;
}

/* Reads args[0] of the audit tuple, a str, as UTF-8 into key (at most WINDOW_NAME_LEN - 1 bytes,
 * cut at a character boundary). 0 when it cannot. A compact ASCII str holds its characters as
 * they are; any other compact str holds 1, 2 or 4 bytes per character (its cached UTF-8 copy is
 * usually not made yet, so that one cannot be relied on): those are encoded here. */
static __always_inline int read_window_name(const void *args, struct window_key *key)
{
	long size = 0, length = 0;
	const void *item = 0;
	__u32 state = 0, zero = 0;

	if (!settings.unicode_ascii_data || !args)
		return 0;
	if (bpf_probe_read_user(&size, sizeof(size), args + 16) || size < 1)
		return 0;
	if (bpf_probe_read_user(&item, sizeof(item), args + (settings.tuple_items ? settings.tuple_items : 24)) || !item)
		return 0;
	if (bpf_probe_read_user(&state, sizeof(state), item + 32))
		return 0;
	int compact = (state >> 5) & 1, ascii = (state >> 6) & 1;
	__u32 kind = (state >> 2) & 7;
	if (compact && ascii)
		return bpf_probe_read_user_str(key->name, sizeof(key->name), item + settings.unicode_ascii_data) > 0;
	if (!compact || !settings.unicode_compact_data || (kind != 1 && kind != 2 && kind != 4))
		return 0;
	if (bpf_probe_read_user(&length, sizeof(length), item + 16) || length < 1)
		return 0;
	struct name_scratch *b = bpf_map_lookup_elem(&name_scratch, &zero);
	if (!b)
		return 0;
	__u32 n = length < WINDOW_NAME_LEN - 1 ? length : WINDOW_NAME_LEN - 1;
	__u32 bytes = n * kind;
	if (bytes > sizeof(b->raw))
		bytes = sizeof(b->raw);
	if (bpf_probe_read_user(b->raw, bytes, item + settings.unicode_compact_data))
		return 0;
	__builtin_memset(b->utf8, 0, sizeof(b->utf8));
	struct utf8_state s = { .buf = b, .kind = kind, .out = 0 };
	bpf_loop(n, utf8_step, &s, 0);
	__builtin_memcpy(key->name, b->utf8, sizeof(key->name));
	return s.out > 0;
}

static __always_inline __u32 slot_of(struct window_key *key)
{
	__u32 *found = bpf_map_lookup_elem(&window_slots, key);
	if (found)
		return *found;
	__u32 slot = __sync_fetch_and_add(&next_py_slot, 1) + 1;
	if (slot > PY_SLOT_LAST) {
		count_loss(LOSS_WINDOW_SLOTS_FULL);
		return 0;
	}
	if (bpf_map_update_elem(&window_slots, key, &slot, BPF_NOEXIST)) {
		/* Another thread named it first: use its slot (ours stays unused). */
		found = bpf_map_lookup_elem(&window_slots, key);
		return found ? *found : 0;
	}
	return slot;
}

static __always_inline void stream_mark(__u32 kind, __u32 tid, __u32 slot, struct window_key *key)
{
	struct scope_list scopes = {};
	int n = current_scopes(tid, &scopes);
	struct event *e = reserve_event(kind, tid, &scopes, n);
	if (!e)
		return;
	e->value = slot;
	__builtin_memcpy(e->name, key->name, WINDOW_NAME_LEN);
	submit_event(e);
}

static __always_inline void open_window(__u32 tid, const void *args)
{
	struct window_key key = {};
	__u32 slot = 0;
	if (read_window_name(args, &key))
		slot = slot_of(&key);
	else
		count_loss(LOSS_WINDOW_NAME);

	struct thread_windows fresh = {}, *tw = bpf_map_lookup_elem(&thread_windows, &tid);
	if (!tw) {
		bpf_map_update_elem(&thread_windows, &tid, &fresh, BPF_NOEXIST);
		tw = bpf_map_lookup_elem(&thread_windows, &tid);
		if (!tw)
			return;
	}
	__u32 depth = tw->depth;
	if (depth < MAX_DEPTH)
		tw->slots[depth & (MAX_DEPTH - 1)] = slot;
	else
		count_loss(LOSS_WINDOW_TOO_DEEP);
	tw->depth = depth + 1;
	stream_mark(EV_WINDOW_BEGIN, tid, slot, &key);
}

static __always_inline void close_window(__u32 tid, const void *args)
{
	struct window_key key = {};
	/* Slot 0 stands for a window without one (its name was unreadable, or no slot was left):
	 * an end whose name has no slot closes the innermost of those, if any. */
	__u32 slot = 0;
	if (read_window_name(args, &key)) {
		__u32 *found = bpf_map_lookup_elem(&window_slots, &key);
		slot = found ? *found : 0;
	}
	stream_mark(EV_WINDOW_END, tid, slot, &key);

	struct thread_windows *tw = bpf_map_lookup_elem(&thread_windows, &tid);
	if (!tw || tw->depth == 0) {
		count_loss(LOSS_WINDOW_UNBALANCED);
		return;
	}
	__u32 depth = tw->depth;
	if (depth > MAX_DEPTH) { /* closing one that had no room */
		tw->depth = depth - 1;
		return;
	}
	/* Close the innermost open window of that name on this thread. An end whose window is not
	 * open here (never opened, or opened on another thread) is counted where it happened and
	 * closes nothing, as the window rules say: closing the innermost window instead would end
	 * an unrelated window early. */
	int k = -1;
#pragma unroll
	for (int i = 0; i < MAX_DEPTH; i++)
		if (i < depth && tw->slots[i] == slot)
			k = i;
	if (k < 0) {
		count_loss(LOSS_WINDOW_UNBALANCED);
		return;
	}
#pragma unroll
	for (int i = 0; i < MAX_DEPTH - 1; i++)
		if (i >= k && i + 1 < depth)
			tw->slots[i] = tw->slots[i + 1];
	tw->slots[(depth - 1) & (MAX_DEPTH - 1)] = 0;
	tw->depth = depth - 1;
	/* A thread with no window open needs no entry (no entry reads as depth 0). Without this the
	 * map filled up with finished threads: a server starting a thread per connection stopped
	 * opening windows after 4096 of them. Only this thread's probes touch its entry. */
	if (depth == 1)
		bpf_map_delete_elem(&thread_windows, &tid);
}

/* Per scope, in a bpf_loop callback: the verifier checks the body once (unrolled, this
 * program took about a second to verify). */
static long count_one(__u32 i, struct scope_list *scopes)
{
	__u32 zero = 0, slot = scopes->slot[i & 15];
	__u64 one = 1;
	struct audit_key *key = bpf_map_lookup_elem(&audit_scratch, &zero);
	if (!key)
		return 1;
	struct scope_stats *s = stats_of(slot);
	if (s)
		__sync_fetch_and_add(&s->audit_events, 1);
	key->slot = slot;
	__u64 *count = bpf_map_lookup_elem(&audit_counts, key);
	if (count)
		__sync_fetch_and_add(count, 1);
	else if (bpf_map_update_elem(&audit_counts, key, &one, BPF_NOEXIST)) {
		count = bpf_map_lookup_elem(&audit_counts, key); /* lost a race: add to theirs */
		if (count)
			__sync_fetch_and_add(count, 1);
		else
			count_loss(LOSS_AUDIT_MAP_FULL);
	}
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
		open_window(tid, audit_args(ctx));
	count_event(tid, key);
	if (end)
		close_window(tid, audit_args(ctx));
	return 0;
}

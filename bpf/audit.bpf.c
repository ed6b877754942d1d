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

/* A compact non-ASCII str's characters (1, 2 or 4 bytes each), encoded as UTF-8 into out. */
struct utf8_state {
	const void *data;
	__u32 kind;
	__u32 length;
	__u32 pos;
	__u32 failed;
	char out[WINDOW_NAME_LEN];
};

/* One character per step. A name longer than the buffer is cut at WINDOW_NAME_LEN - 1 bytes,
 * possibly inside a character: the reader drops that partial character and marks the cut. */
static long utf8_step(__u32 i, struct utf8_state *s)
{
	__u32 c = 0;
	if (i >= s->length || s->pos >= WINDOW_NAME_LEN - 1)
		return 1;
	if (s->kind == 1) {
		__u8 b = 0;
		s->failed |= bpf_probe_read_user(&b, 1, s->data + i) != 0;
		c = b;
	} else if (s->kind == 2) {
		__u16 h = 0;
		s->failed |= bpf_probe_read_user(&h, 2, s->data + 2 * (__u64)i) != 0;
		c = h;
	} else {
		s->failed |= bpf_probe_read_user(&c, 4, s->data + 4 * (__u64)i) != 0;
	}
	if (s->failed)
		return 1;
	__u8 bytes[4];
	int n;
	if (c < 0x80) {
		bytes[0] = c;
		n = 1;
	} else if (c < 0x800) {
		bytes[0] = 0xc0 | (c >> 6);
		bytes[1] = 0x80 | (c & 0x3f);
		n = 2;
	} else if (c < 0x10000) {
		bytes[0] = 0xe0 | (c >> 12);
		bytes[1] = 0x80 | ((c >> 6) & 0x3f);
		bytes[2] = 0x80 | (c & 0x3f);
		n = 3;
	} else {
		bytes[0] = 0xf0 | ((c >> 18) & 0x07);
		bytes[1] = 0x80 | ((c >> 12) & 0x3f);
		bytes[2] = 0x80 | ((c >> 6) & 0x3f);
		bytes[3] = 0x80 | (c & 0x3f);
		n = 4;
	}
#pragma unroll
	for (int b = 0; b < 4; b++) {
		if (b < n && s->pos < WINDOW_NAME_LEN - 1) {
			s->out[s->pos & (WINDOW_NAME_LEN - 1)] = bytes[b];
			s->pos++;
		}
	}
	return 0;
}

/* Reads args[0] of the audit tuple, a str, as UTF-8 into key. 0 when it cannot. */
static __always_inline int read_window_name(const void *args, struct window_key *key)
{
	long size = 0;
	const void *item = 0;
	__u32 state = 0;

	if (!settings.unicode_ascii_data || !args)
		return 0;
	if (bpf_probe_read_user(&size, sizeof(size), args + 16) || size < 1)
		return 0;
	if (bpf_probe_read_user(&item, sizeof(item), args + 24) || !item)
		return 0;
	if (bpf_probe_read_user(&state, sizeof(state), item + 32))
		return 0;
	int kind = (state >> 2) & 7, compact = (state >> 5) & 1, ascii = (state >> 6) & 1;
	if (compact && ascii)
		return bpf_probe_read_user_str(key->name, sizeof(key->name), item + settings.unicode_ascii_data) > 0;
	if (!compact || !settings.unicode_compact_data || (kind != 1 && kind != 2 && kind != 4))
		return 0;
	/* Compact non-ASCII ("fenêtre", "名前"): CPython fills the utf8 pointer only once something
	 * asked for it, so encode the characters here. */
	struct utf8_state u = { .kind = kind };
	long length = 0;
	if (bpf_probe_read_user(&length, sizeof(length), item + 16) || length < 1)
		return 0;
	u.length = length > WINDOW_NAME_LEN ? WINDOW_NAME_LEN : length;
	u.data = item + settings.unicode_compact_data;
	bpf_loop(WINDOW_NAME_LEN, utf8_step, &u, 0);
	if (u.failed || u.pos == 0)
		return 0;
	__builtin_memcpy(key->name, u.out, WINDOW_NAME_LEN);
	key->name[WINDOW_NAME_LEN - 1] = 0;
	return 1;
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
	__u32 scopes[16];
	int n = current_scopes(tid, scopes);
	struct event *e = reserve_event(kind, tid, scopes, n);
	if (!e)
		return;
	e->value = slot;
	__builtin_memcpy(e->name, key->name, WINDOW_NAME_LEN);
	bpf_ringbuf_submit(e, 0);
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
	/* Close the innermost window of that name; marks normally nest, so that is the top. */
	int k = depth - 1;
#pragma unroll
	for (int i = 0; i < MAX_DEPTH; i++)
		if (i < depth && slot && tw->slots[i] == slot)
			k = i;
#pragma unroll
	for (int i = 0; i < MAX_DEPTH - 1; i++)
		if (i >= k && i + 1 < depth)
			tw->slots[i] = tw->slots[i + 1];
	tw->slots[(depth - 1) & (MAX_DEPTH - 1)] = 0;
	tw->depth = depth - 1;
}

static __always_inline void count_event(__u32 tid, struct audit_key *key)
{
	__u32 scopes[16];
	int n = current_scopes(tid, scopes);
	__u64 one = 1;

#pragma unroll
	for (int i = 0; i < MAX_SCOPES; i++) {
		if (i >= n)
			continue;
		struct scope_stats *s = scope_stats_of(scopes, i);
		if (s)
			__sync_fetch_and_add(&s->audit_events, 1);
		key->slot = scopes[i & 15];
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
	}
	if (settings.stream_events) {
		struct event *e = reserve_event(EV_AUDIT, tid, scopes, n);
		if (e) {
			__builtin_memcpy(e->name, key->event, AUDIT_NAME_LEN);
			bpf_ringbuf_submit(e, 0);
		}
	}
}

SEC("usdt")
int BPF_USDT(audit, const char *event, const void *args)
{
	__u32 zero = 0, tid = current_tid();
	struct audit_key *key = bpf_map_lookup_elem(&audit_scratch, &zero);
	if (!key)
		return 0;
	__builtin_memset(key, 0, sizeof(*key));
	if (bpf_probe_read_user_str(key->event, sizeof(key->event), event) < 0)
		return 0;

	if (is_mark(key->event, BEGIN, sizeof(BEGIN))) {
		open_window(tid, args);
		count_event(tid, key);
	} else if (is_mark(key->event, END, sizeof(END))) {
		count_event(tid, key);
		close_window(tid, args);
	} else {
		count_event(tid, key);
	}
	return 0;
}

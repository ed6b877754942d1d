/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0-only) */
/*
 * Scopes: the slots an event counts in. Slot 0 is the whole run; a thread's open Python windows
 * (thread_windows, kept by windows.bpf.h) and the open Java windows (java_windows, set by the
 * engine) add theirs. Shared by every object.
 */
#ifndef PYBUDGET_SCOPES_BPF_H
#define PYBUDGET_SCOPES_BPF_H

#include "common.bpf.h"
#include "bits.bpf.h"

/* Python windows open on each thread, innermost last. An entry lives from the thread's first
 * begin until it closes its last window or exits (windows.bpf.h). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_WINDOW_THREADS);
	__type(key, __u32);
	__type(value, struct thread_windows);
} thread_windows SEC(".maps");

/* How many threads have an entry in thread_windows, so that a thread's event skips its lookup when
 * none has (the common case: a call, a collection or a switch outside every Python window). Counted
 * up before an entry is made and down after it is gone, so it is never below the entries: a thread
 * whose begin made its entry sees its own count from then on, whichever CPU it runs on. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} window_threads SEC(".maps");

/* Java windows open now (slot, or 0 for a free entry): they hold every thread. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MAX_JAVA_OPEN);
	__type(key, __u32);
	__type(value, __u32);
} java_windows SEC(".maps");

/* 1 when slot is in scopes[1..8], else 0 (entries from n on are 0 and slot is not). */
static __always_inline __u64 has_scope(const __u32 *scopes, __u32 slot)
{
	return same(scopes[1], slot) | same(scopes[2], slot) | same(scopes[3], slot) | same(scopes[4], slot) |
	       same(scopes[5], slot) | same(scopes[6], slot) | same(scopes[7], slot) | same(scopes[8], slot);
}

/* Adds slot s once; slot 0 (the whole run, or a window whose name was unreadable) is there already.
 * Without a branch on whether it is added: as a branch, each outcome went on as a path of its own, with
 * its own count n, and the verifier walked fill_scopes some 1,200 instructions over in every program
 * (an entry n not added stays 0, as it was). */
#define ADD_SCOPE(s)                                                      \
	do {                                                              \
		__u32 _s = (s);                                           \
		if (_s) {                                                 \
			__u64 _add = above(MAX_SCOPES, n) & (has_scope(scopes, _s) ^ 1); \
			scopes[n & 15] = _s * _add;                       \
			n += _add;                                        \
		}                                                         \
	} while (0)

#define ADD_JAVA_SCOPE(index)                                     \
	do {                                                      \
		__u32 _i = (index);                               \
		__u32 *_slot = bpf_map_lookup_elem(&java_windows, &_i); \
		if (_slot)                                        \
			ADD_SCOPE(*_slot);                        \
	} while (0)

/* The scopes an event counts in: slot 0, then the thread's Python windows and the open Java
 * windows, each once; entries from the count on are 0. */
struct scope_list {
	__u32 slot[16];
};

/* Fills list with slot 0, the thread's Python windows and the open Java windows, each once (a
 * name nested in itself counts once). Returns how many (1..MAX_SCOPES). Written out without
 * loops. A global (not inlined) function: the verifier checks it once, on its own, instead of
 * once for every path of every caller, which kept each program's load at 0.1-1 s. */
__attribute__((noinline)) int fill_scopes(__u32 tid, struct scope_list *list)
{
	__u32 n = 0;
	if (!list)
		return 0;
	__u32 *scopes = list->slot;
	scopes[n++] = 0;
	struct thread_windows *tw = bpf_map_lookup_elem(&thread_windows, &tid);
	if (tw) {
		__u32 depth = tw->depth;
		if (depth > 0)
			ADD_SCOPE(tw->slots[0]);
		if (depth > 1)
			ADD_SCOPE(tw->slots[1]);
		if (depth > 2)
			ADD_SCOPE(tw->slots[2]);
		if (depth > 3)
			ADD_SCOPE(tw->slots[3]);
	}
	ADD_JAVA_SCOPE(0);
	ADD_JAVA_SCOPE(1);
	ADD_JAVA_SCOPE(2);
	ADD_JAVA_SCOPE(3);
	return n;
}

/* fill_scopes' count, which is 1..MAX_SCOPES: the verifier does not know it. */
static __always_inline int scope_count(int n)
{
	if (n < 1)
		n = 1;
	if (n > MAX_SCOPES)
		n = MAX_SCOPES;
	return n;
}

/* list must start zeroed. Returns how many scopes, 1..MAX_SCOPES. */
static __always_inline int scopes_of(__u32 tid, struct scope_list *list)
{
	return scope_count(fill_scopes(tid, list));
}

static __always_inline __u32 java_window(__u32 index)
{
	__u32 *slot = bpf_map_lookup_elem(&java_windows, &index);
	return slot ? *slot : 0;
}

/* Whether a window is open anywhere: a thread with a Python window, or a Java window. Five array
 * reads, which the verifier inlines. */
static __always_inline int window_open(void)
{
	__u32 zero = 0;
	__u64 *threads = bpf_map_lookup_elem(&window_threads, &zero);
	return !threads || *threads || (java_window(0) | java_window(1) | java_window(2) | java_window(3));
}

/* scopes_of(), but with no window open anywhere slot 0 alone without calling fill_scopes: its call
 * and its hash lookup by thread cost about 40 ns an event more (docs/performance.md). Both ways end in
 * scope_count(), so that the verifier walks what follows fewer times than after an early return of 1
 * (the audit program: 5,118 instructions against 4,969). */
static __always_inline int current_scopes(__u32 tid, struct scope_list *list)
{
	return scope_count(window_open() ? fill_scopes(tid, list) : 1);
}

/* Reserves a stream record stamped with time, thread and scopes; counts the loss if full. */
static __always_inline struct event *reserve_event(__u32 kind, __u32 tid, const struct scope_list *list, int n)
{
	struct event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count_loss(LOSS_RINGBUF_FULL);
		return 0;
	}
	e->ts_ns = bpf_ktime_get_ns();
	e->kind = kind;
	e->tid = tid;
	e->value = 0;
	e->nscopes = n;
	/* entries from n on are 0 in list */
	__builtin_memcpy(e->scopes, list->slot, sizeof(e->scopes));
	e->pad = 0;
	e->name[0] = 0;
	return e;
}

#endif

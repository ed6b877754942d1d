/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0-only) */
/*
 * Python windows: sys.audit("pybudget.begin", name) opens the window name on the calling thread,
 * sys.audit("pybudget.end", name) closes it there (docs/writing-tests.md, "Windows", has the rules).
 * Every way a mark cannot be followed is counted: a name that is not a readable str
 * (LOSS_WINDOW_NAME), more names than slots (LOSS_WINDOW_SLOTS_FULL), nesting deeper than
 * MAX_DEPTH (LOSS_WINDOW_TOO_DEEP), no room for the thread (LOSS_WINDOW_THREADS_FULL), an end
 * whose window is not open on its thread (LOSS_WINDOW_UNBALANCED, and in that window's
 * window_unfollowed_ends). A thread that exits closes its windows (window_thread_exit), so a
 * thread id the kernel hands out again starts with none.
 */
#ifndef PYBUDGET_WINDOWS_BPF_H
#define PYBUDGET_WINDOWS_BPF_H

#include "scopes.bpf.h"
#include "pystr.bpf.h"
#include "maps.bpf.h"

/* Slots of window names, 1..PY_SLOT_LAST for names first marked from Python; the engine adds the
 * names of Java windows with their slots, so that a name opened from both is one window. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_SLOTS);
	__type(key, struct window_key);
	__type(value, __u32);
} window_slots SEC(".maps");

__u32 next_py_slot = 0;

/* The slot of a window name, given one on first use; 0 when none is left (counted). */
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
	/* Another thread (or the engine) may name it first: then use its slot (ours stays unused). */
	found = lookup_or_init(&window_slots, key, &slot);
	return found ? *found : 0;
}

/* args[0] of the audit tuple, read as a window name; 0 when it is not a readable str. */
static __always_inline int read_window_name(const void *args, struct window_key *key,
					    const volatile struct pystr_layout *layout)
{
	long size = 0;
	const void *item = 0;
	if (!args || !layout->tuple_items || bpf_probe_read_user(&size, sizeof(size), args + layout->tuple_size) || size < 1)
		return 0;
	if (bpf_probe_read_user(&item, sizeof(item), args + layout->tuple_items) || !item)
		return 0;
	return read_pystr(item, key->name, layout);
}

static __always_inline void stream_mark(__u32 kind, __u32 tid, __u32 slot, struct window_key *key)
{
	struct scope_list scopes = {};
	/* Not current_scopes(): a mark's thread has a window open (its end's, or the one its begin just
	 * opened), which its check would only find out; and its branch doubled what the verifier walks
	 * after it in the audit program (4,969 instructions processed → 5,402). */
	int n = scopes_of(tid, &scopes);
	struct event *e = reserve_event(kind, tid, &scopes, n);
	if (!e)
		return;
	e->value = slot;
	__builtin_memcpy(e->name, key->name, WINDOW_NAME_LEN);
	submit_event(e);
}

static __always_inline void count_window_threads(__s64 change)
{
	__u32 zero = 0;
	__u64 *threads = bpf_map_lookup_elem(&window_threads, &zero);
	if (threads)
		__sync_fetch_and_add(threads, change);
}

/* The thread's entry, made empty; counted in window_threads first (scopes.bpf.h says why). Only this
 * thread makes or deletes its entry. NULL when thread_windows is full. */
static __always_inline struct thread_windows *new_thread_windows(__u32 tid)
{
	struct thread_windows fresh = {};
	count_window_threads(1);
	if (bpf_map_update_elem(&thread_windows, &tid, &fresh, BPF_NOEXIST)) {
		count_window_threads(-1);
		return 0;
	}
	return bpf_map_lookup_elem(&thread_windows, &tid);
}

/* Deletes the thread's entry, then takes it off the count (when there was one). */
static __always_inline void delete_thread_windows(__u32 tid)
{
	if (bpf_map_delete_elem(&thread_windows, &tid) == 0)
		count_window_threads(-1);
}

static __always_inline void open_window(__u32 tid, const void *args, const volatile struct pystr_layout *layout)
{
	struct window_key key __attribute__((aligned(8))) = {}; /* copied in 8-byte words */
	__u32 slot = 0;
	if (read_window_name(args, &key, layout))
		slot = slot_of(&key);
	else
		count_loss(LOSS_WINDOW_NAME);

	struct thread_windows *tw = bpf_map_lookup_elem(&thread_windows, &tid);
	if (!tw)
		tw = new_thread_windows(tid);
	if (!tw) {
		count_loss(LOSS_WINDOW_THREADS_FULL);
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

/* An end that closes nothing: counted, and in its window's own count when it has one (its
 * counts may then run past where the workload meant it to end). */
static __always_inline void end_not_followed(__u32 slot)
{
	count_loss(LOSS_WINDOW_UNBALANCED);
	struct scope_stats *s = slot ? stats_of(slot) : 0;
	if (s)
		__sync_fetch_and_add(&s->window_unfollowed_ends, 1);
}

static __always_inline void close_window(__u32 tid, const void *args, const volatile struct pystr_layout *layout)
{
	struct window_key key __attribute__((aligned(8))) = {}; /* copied in 8-byte words */
	/* Slot 0 stands for a window without one (its name was unreadable, or no slot was left):
	 * an end whose name has no slot closes the innermost of those, if any. */
	__u32 slot = 0;
	if (read_window_name(args, &key, layout)) {
		__u32 *found = bpf_map_lookup_elem(&window_slots, &key);
		slot = found ? *found : 0;
	} else {
		count_loss(LOSS_WINDOW_NAME);
	}
	stream_mark(EV_WINDOW_END, tid, slot, &key);

	struct thread_windows *tw = bpf_map_lookup_elem(&thread_windows, &tid);
	if (!tw || tw->depth == 0) {
		end_not_followed(slot);
		return;
	}
	__u32 depth = tw->depth;
	if (depth > MAX_DEPTH) { /* closing one that had no room */
		tw->depth = depth - 1;
		return;
	}
	/* Close the innermost open window of that name on this thread. An end whose window is not
	 * open here (never opened, or opened on another thread) closes nothing: closing the
	 * innermost window instead would end an unrelated window early. */
	int k = -1;
#pragma unroll
	for (int i = 0; i < MAX_DEPTH; i++)
		if (i < depth && tw->slots[i] == slot)
			k = i;
	if (k < 0) {
		end_not_followed(slot);
		return;
	}
#pragma unroll
	for (int i = 0; i < MAX_DEPTH - 1; i++)
		if (i >= k && i + 1 < depth)
			tw->slots[i] = tw->slots[i + 1];
	tw->slots[(depth - 1) & (MAX_DEPTH - 1)] = 0;
	tw->depth = depth - 1;
	/* A thread with no window open needs no entry (no entry reads as depth 0). Only this
	 * thread's probes touch its entry. */
	if (depth == 1)
		delete_thread_windows(tid);
}

/* A thread that exits ends its windows there: what they hold is exact up to its last bytecode.
 * Without this, the entries of threads that ended inside a window (a worker killed mid-request, an
 * error path without an end) filled the map, and a thread id handed out again inherited a dead
 * thread's open windows. Every exit on the machine comes here; the lookup is all it costs. */
SEC("raw_tp/sched_process_exit")
int window_thread_exit(void *ctx)
{
	delete_thread_windows(current_tid());
	return 0;
}

#endif

/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0-only) */
/*
 * Maps every program shares (the engine creates them once and hands the same fd
 * to each object): the counts per scope, the losses, the event stream; and their helpers.
 */
#ifndef PYBUDGET_COMMON_BPF_H
#define PYBUDGET_COMMON_BPF_H

#include <stdbool.h>
#include <linux/bpf.h>
#include <linux/ptrace.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/usdt.bpf.h>
#include "pybudget.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MAX_SLOTS);
	__type(key, __u32);
	__type(value, struct scope_stats);
} stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, LOSS_COUNT);
	__type(key, __u32);
	__type(value, __u64);
} losses SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 22);
} events SEC(".maps");

static __always_inline void count_losses(__u32 what, __u64 how_many)
{
	__u64 *n = bpf_map_lookup_elem(&losses, &what);
	if (n)
		__sync_fetch_and_add(n, how_many);
}

static __always_inline void count_loss(__u32 what)
{
	count_losses(what, 1);
}

static __always_inline struct scope_stats *stats_of(__u32 slot)
{
	return bpf_map_lookup_elem(&stats, &slot);
}

static __always_inline __u32 current_tid(void)
{
	return (__u32)bpf_get_current_pid_tgid();
}

/* Argument n of the USDT probe, or 0 when it cannot be read (what BPF_USDT passes then). A global
 * function: the verifier checks bpf_usdt_arg()'s paths (each kind of argument, each failure) once, on
 * their own, and the program goes on with one state, an unknown value. Inlined, each of those paths went
 * on through the rest of the program: the audit program, which fetches a second argument for window
 * marks, was walked some 35 times past that point. */
__attribute__((noinline)) long usdt_arg_or_0(struct pt_regs *ctx, __u64 n)
{
	long value = 0;
	bpf_usdt_arg(ctx, n, &value);
	return value;
}

/* Submits a stream record without waking the reader, which polls every few milliseconds,
 * unless the ring is more than a quarter full: a wake-up per record cost the traced thread
 * an interrupt and the reader a context switch for every record. */
static __always_inline void submit_event(struct event *e)
{
	__u64 flags = BPF_RB_NO_WAKEUP;
	if (bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) > bpf_ringbuf_query(&events, BPF_RB_RING_SIZE) / 4)
		flags = BPF_RB_FORCE_WAKEUP;
	bpf_ringbuf_submit(e, flags);
}

/* Copies the NUL-terminated user string at src into dst (size bytes); a NULL src (CPython could
 * not encode the name) reads as UNENCODABLE_NAME and is counted. Returns the bytes written, the
 * NUL included (1 when src could not be read: dst is then empty). */
static __always_inline long read_name(char *dst, __u32 size, const char *src)
{
	if (!src) {
		__builtin_memcpy(dst, UNENCODABLE_NAME, sizeof(UNENCODABLE_NAME));
		count_loss(LOSS_NAME_UNENCODABLE);
		return sizeof(UNENCODABLE_NAME);
	}
	long n = bpf_probe_read_user_str(dst, size, src);
	if (n < 1) {
		dst[0] = 0;
		return 1;
	}
	return n;
}

#endif

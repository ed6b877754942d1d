/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0-only) */
/* Bit arithmetic the verifier accepts without loops. */
#ifndef PYBUDGET_BITS_BPF_H
#define PYBUDGET_BITS_BPF_H

#include <linux/types.h>

/* 1 when x > c, else 0, for x and c below 2^63, as arithmetic (the sign of c - x): a comparison would
 * be a branch, and each branch a path of its own, with its own constant, that the verifier walks through
 * the rest of the program (gc_done was walked 32 times over past its bucket). */
static __always_inline __u64 above(__u64 x, __u64 c)
{
	return (c - x) >> 63;
}

/* 1 when a == b, else 0, as arithmetic: a ^ b is 0 only then, and 0 - 1 is the only value with the
 * top bit set. */
static __always_inline __u64 same(__u32 a, __u32 b)
{
	return ((__u64)(a ^ b) - 1) >> 63;
}

/* floor(log2(v)), as libbpf-tools' bits.bpf.h computes it (a binary search on the highest bit set),
 * without a branch; 0 for v = 0. */
static __always_inline __u32 log2_bucket(__u64 v)
{
	__u64 r = above(v >> 32, 0) << 5, shift;
	v >>= r;
	shift = above(v, 0xFFFF) << 4; v >>= shift; r |= shift;
	shift = above(v, 0xFF) << 3; v >>= shift; r |= shift;
	shift = above(v, 0xF) << 2; v >>= shift; r |= shift;
	shift = above(v, 0x3) << 1; v >>= shift; r |= shift;
	r |= v >> 1;
	return r;
}

#endif

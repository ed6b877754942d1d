/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0-only) */
/* Bit arithmetic the verifier accepts without loops. */
#ifndef PYBUDGET_BITS_BPF_H
#define PYBUDGET_BITS_BPF_H

#include <linux/types.h>

/* floor(log2(v)), as libbpf-tools' bits.bpf.h computes it; 0 for v = 0. */
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

#endif

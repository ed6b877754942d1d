/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0-only) */
/* Hash map helpers, as libbpf-tools' maps.bpf.h has them. */
#ifndef PYBUDGET_MAPS_BPF_H
#define PYBUDGET_MAPS_BPF_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

/* The value under key, inserted as *init when there is none. Two CPUs may insert the same key at
 * once: the insert that loses (BPF_NOEXIST) finds the winner's value on the second lookup. NULL
 * only when the map is full. */
static __always_inline void *lookup_or_init(void *map, const void *key, const void *init)
{
	void *value = bpf_map_lookup_elem(map, key);
	if (value)
		return value;
	bpf_map_update_elem(map, key, init, BPF_NOEXIST);
	return bpf_map_lookup_elem(map, key);
}

/* Adds one to the __u64 count under key (0 when new); false when the map had no room for it. */
static __always_inline bool increment(void *map, const void *key)
{
	__u64 zero = 0, *count = lookup_or_init(map, key, &zero);
	if (!count)
		return false;
	__sync_fetch_and_add(count, 1);
	return true;
}

#endif

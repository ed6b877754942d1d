// SPDX-License-Identifier: Apache-2.0
/* Imports: counted per scope in the kernel (exact), and streamed start/done
 * with module name, thread and time, from which the engine builds the import tree. */
#include "common.bpf.h"

static __always_inline int import_event(__u32 kind, const char *module, int found)
{
	__u32 tid = current_tid();
	__u32 scopes[16];
	int n = current_scopes(tid, scopes);

	if (kind == EV_IMPORT_START) {
#pragma unroll
		for (int i = 0; i < MAX_SCOPES; i++) {
			if (i >= n)
				continue;
			struct scope_stats *s = scope_stats_of(scopes, i);
			if (s)
				__sync_fetch_and_add(&s->imports, 1);
		}
	}
	struct event *e = reserve_event(kind, tid, scopes, n);
	if (!e) {
		if (!module && kind == EV_IMPORT_START)
			count_loss(LOSS_NAME_UNENCODABLE);
		return 0;
	}
	e->value = found;
	if (module || kind == EV_IMPORT_START)
		read_name(e->name, sizeof(e->name), module); /* an unencodable name counts once, at the start */
	else
		__builtin_memcpy(e->name, UNENCODABLE_NAME, sizeof(UNENCODABLE_NAME));
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("usdt")
int BPF_USDT(import_start, const char *module)
{
	return import_event(EV_IMPORT_START, module, 0);
}

SEC("usdt")
int BPF_USDT(import_done, const char *module, int found)
{
	return import_event(EV_IMPORT_DONE, module, found);
}

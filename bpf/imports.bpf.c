// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0-only)
/* Imports: counted per scope in the kernel (exact), and streamed start/done
 * with module name, thread and time, from which the engine builds the import tree. */
#include "scopes.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

static long import_one(__u32 i, struct scope_list *scopes)
{
	struct scope_stats *s = stats_of(scopes->slot[i & 15]);
	if (s)
		__sync_fetch_and_add(&s->imports, 1);
	return 0;
}

static __always_inline int import_event(__u32 kind, const char *module, int found)
{
	__u32 tid = current_tid();
	struct scope_list scopes = {};
	int n = current_scopes(tid, &scopes);

	if (kind == EV_IMPORT_START)
		bpf_loop(n, import_one, &scopes, 0);
	struct event *e = reserve_event(kind, tid, &scopes, n);
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
	submit_event(e);
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

// SPDX-License-Identifier: Apache-2.0
/* Garbage collections from CPython's internal functions, for builds without the gc markers:
 * the same counting as gc.bpf.c (its programs are here too, unattached), fed from uprobes
 * that the engine attaches by file offset. Where the arguments are differs per version and
 * per compiler clone: the engine passes it in each link's BPF cookie. */
#include "gc.bpf.c"

/* x86-64 System V: the first five integer arguments, by index (libbpf 1.1 has no PT_REGS_PARM6).
 * Each register is read at its fixed place: the verifier refuses a context read at a computed offset. */
static __always_inline long nth_arg(struct pt_regs *ctx, __u32 index)
{
	long args[8] = { PT_REGS_PARM1(ctx), PT_REGS_PARM2(ctx), PT_REGS_PARM3(ctx), PT_REGS_PARM4(ctx),
			 PT_REGS_PARM5(ctx) };
	return args[index & 7];
}

/* Entry of the collection itself (gc_collect_main, collect, collect.constprop.N): the cookie
 * is the index of the generation argument. */
SEC("uprobe")
int gc_symbol_start(struct pt_regs *ctx)
{
	return ____gc_start(ctx, (int)nth_arg(ctx, (__u32)bpf_get_attach_cookie(ctx)));
}

/* Its return: the value is the objects collected plus the uncollectable ones, as gc__done's. */
SEC("uretprobe")
int gc_symbol_done(struct pt_regs *ctx)
{
	return ____gc_done(ctx, (long)PT_REGS_RC(ctx));
}

/* invoke_gc_callback(..., phase, generation, collected, uncollectable) on 3.13, where automatic
 * collections enter gc_collect_main with generation -1 and pick one inside. The cookie holds
 * the argument indices, a byte each: phase, generation, collected, uncollectable. */
SEC("uprobe")
int gc_symbol_callback(struct pt_regs *ctx)
{
	__u64 cookie = bpf_get_attach_cookie(ctx);
	char phase[4] = {};
	const char *p = (const char *)nth_arg(ctx, cookie & 0xff);
	if (bpf_probe_read_user(phase, sizeof(phase), p))
		return 0;
	if (phase[0] == 's' && phase[1] == 't' && phase[2] == 'a') /* "start" */
		return ____gc_start(ctx, (int)nth_arg(ctx, (cookie >> 8) & 0xff));
	if (phase[0] == 's' && phase[1] == 't' && phase[2] == 'o') /* "stop" */
		return ____gc_done(ctx, nth_arg(ctx, (cookie >> 16) & 0xff) + nth_arg(ctx, (cookie >> 24) & 0xff));
	return 0;
}

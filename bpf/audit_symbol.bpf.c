// SPDX-License-Identifier: Apache-2.0
/* Audit events from CPython's internal functions, for builds without the audit marker: the
 * same counting and window marks as audit.bpf.c (its program is here too, unattached).
 *
 * sys_audit_tstate (3.9+; PySys_Audit on 3.8) sees every event raised from C. An event raised
 * from Python, sys.audit(...), reaches it only when an audit hook is installed: without one,
 * sys_audit returns early (the audit marker's semaphore is what keeps it going on builds with
 * markers). So sys_audit is probed too: its entry notes the call, sys_audit_tstate clears the
 * note when the event gets there, and its return counts an event that did not, reading the
 * name from the str CPython was given. Each event counts once, hook or not. */
#include "audit.bpf.c"

/* x86-64 System V: the first five integer arguments, by index (libbpf 1.1 has no PT_REGS_PARM6).
 * Each register is read at its fixed place: the verifier refuses a context read at a computed offset. */
static __always_inline long nth_arg(struct pt_regs *ctx, __u32 index)
{
	long args[8] = { PT_REGS_PARM1(ctx), PT_REGS_PARM2(ctx), PT_REGS_PARM3(ctx), PT_REGS_PARM4(ctx),
			 PT_REGS_PARM5(ctx) };
	return args[index & 7];
}

/* A sys.audit(event, *args) call on a thread, between sys_audit's entry and its return. */
struct py_audit_call {
	__u64 args; /* PyObject *const *: args[0] the event, args[1] a window's name */
	__s64 argc;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct py_audit_call);
} py_audit_calls SEC(".maps");

/* read_window_name reads a tuple: its size and first item at the layout's offsets. Given sys.audit's
 * vector of arguments, this points where "the first item" is args[1], the window's name, and "the
 * size" is args[0] (a pointer, positive): so on the tuple layout of 3.8-3.13 (size at 16, items at
 * 24), the versions the engine's table probes. 0 without a name argument. */
static __always_inline const void *name_args(const struct py_audit_call *call)
{
	if (!call || call->argc < 2)
		return 0;
	return (const void *)(call->args + 8 - settings.str.tuple_items);
}

static __always_inline void count_with_marks(__u32 tid, struct audit_key *key, const void *marks_args)
{
	int begin = is_mark(key, BEGIN);
	int end = !begin && is_mark(key, END);
	if (begin)
		begin_window(tid, (__u64)marks_args);
	count_event(tid, key);
	if (end)
		end_window(tid, (__u64)marks_args);
}

/* sys_audit_tstate(tstate, event, ...) / PySys_Audit(event, ...): the cookie is the index of event. */
SEC("uprobe")
int audit_symbol_event(struct pt_regs *ctx)
{
	__u32 zero = 0, tid = current_tid();
	const char *event = (const char *)nth_arg(ctx, (__u32)bpf_get_attach_cookie(ctx));
	struct audit_key *key = bpf_map_lookup_elem(&audit_scratch, &zero);
	if (!key)
		return 0;
	__builtin_memset(key, 0, sizeof(*key));
	if (!event || bpf_probe_read_user_str(key->event, sizeof(key->event), event) < 0)
		return 0;
	struct py_audit_call call = {}, *pending = bpf_map_lookup_elem(&py_audit_calls, &tid);
	if (pending) {
		call = *pending;
		bpf_map_delete_elem(&py_audit_calls, &tid);
	}
	count_with_marks(tid, key, pending ? name_args(&call) : 0);
	return 0;
}

/* sys_audit(module, args, argc): the entry of sys.audit(). */
SEC("uprobe")
int audit_symbol_py_call(struct pt_regs *ctx)
{
	__u32 tid = current_tid();
	struct py_audit_call call = { .args = (__u64)PT_REGS_PARM2(ctx), .argc = (__s64)PT_REGS_PARM3(ctx) };
	bpf_map_update_elem(&py_audit_calls, &tid, &call, BPF_ANY);
	return 0;
}

/* sys_audit's return: a call still noted here never reached sys_audit_tstate (no hook). */
SEC("uretprobe")
int audit_symbol_py_return(struct pt_regs *ctx)
{
	__u32 zero = 0, tid = current_tid();
	struct py_audit_call *pending = bpf_map_lookup_elem(&py_audit_calls, &tid);
	if (!pending)
		return 0;
	struct py_audit_call call = *pending;
	bpf_map_delete_elem(&py_audit_calls, &tid);
	if (!PT_REGS_RC(ctx) || call.argc < 1) /* it raised: no event */
		return 0;
	struct audit_key *key = bpf_map_lookup_elem(&audit_scratch, &zero);
	if (!key)
		return 0;
	__builtin_memset(key, 0, sizeof(*key));
	/* args[0], the event: a str (sys.audit raises TypeError otherwise, when a hook is installed). */
	const void *str = 0;
	if (bpf_probe_read_user(&str, sizeof(str), (const void *)call.args) || !read_pystr(str, key->event, &settings.str)) {
		/* not a readable str: counted under the name CPython's own probe uses for names it cannot give */
		__builtin_memcpy(key->event, UNENCODABLE_NAME, sizeof(UNENCODABLE_NAME));
		count_loss(LOSS_NAME_UNENCODABLE);
	}
	count_with_marks(tid, key, name_args(&call));
	return 0;
}

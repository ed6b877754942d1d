// SPDX-License-Identifier: Apache-2.0
/* Calls: function__return fires once per call, inlined or not (function__entry
 * misses the calls CPython 3.11 inlines), so calls are counted there, per
 * (scope, co_filename, co_name), for functions whose names match the globs. */
#include "common.bpf.h"

const volatile struct calls_settings settings = {};

struct call_name {
	char file[FILE_LEN];
	char func[FUNC_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct call_key);
	__type(value, __u64);
} call_counts SEC(".maps");

/* The glob's verdict per function name, so each name is matched once. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct call_name);
	__type(value, __u8);
} call_verdicts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct call_key);
} call_scratch SEC(".maps");

struct glob_state {
	const char *pattern; /* PATTERN_LEN bytes, NUL-terminated */
	const char *text;    /* FILE_LEN bytes, NUL-terminated */
	__u32 i, j;          /* positions in text and pattern */
	__s32 star;          /* pattern position after the last '*', or -1 */
	__u32 mark;          /* text position that '*' matched up to */
	__s32 result;        /* 1 match, 0 no match, -1 undecided */
};

/* One step of the classic wildcard matcher ('*' any run, '?' one byte); bpf_loop keeps
 * the verifier's work independent of the number of steps. One step function per text
 * size, so that the verifier can bound every index with a constant mask. */
#define GLOB_STEP(fn, TEXT_LEN)                                        \
	static long fn(__u32 index, struct glob_state *g)              \
	{                                                              \
		char t = g->text[g->i & (TEXT_LEN - 1)];               \
		char p = g->pattern[g->j & (PATTERN_LEN - 1)];         \
		if (g->i >= TEXT_LEN || g->j >= PATTERN_LEN) {         \
			g->result = 0;                                 \
			return 1;                                      \
		}                                                      \
		if (t == 0) {                                          \
			if (p == '*') {                                \
				g->j++;                                \
				return 0;                              \
			}                                              \
			g->result = p == 0;                            \
			return 1;                                      \
		}                                                      \
		if (p != 0 && p != '*' && (p == '?' || p == t)) {      \
			g->i++;                                        \
			g->j++;                                        \
			return 0;                                      \
		}                                                      \
		if (p == '*') {                                        \
			g->star = g->j + 1;                            \
			g->mark = g->i;                                \
			g->j++;                                        \
			return 0;                                      \
		}                                                      \
		if (g->star >= 0) {                                    \
			g->j = g->star;                                \
			g->mark++;                                     \
			g->i = g->mark;                                \
			return 0;                                      \
		}                                                      \
		g->result = 0;                                         \
		return 1;                                              \
	}

GLOB_STEP(glob_file_step, FILE_LEN)
GLOB_STEP(glob_func_step, FUNC_LEN)

static __always_inline int glob(const char *pattern, const char *text, void *step, __u32 text_len)
{
	struct glob_state g = { .pattern = pattern, .text = text, .star = -1, .result = -1 };
	bpf_loop(text_len * 16, step, &g, 0);
	if (g.result < 0)
		count_loss(LOSS_GLOB_TOO_COMPLEX);
	return g.result == 1;
}

static __always_inline int matches(struct call_name *name)
{
	__u8 *known = bpf_map_lookup_elem(&call_verdicts, name);
	if (known)
		return *known;
	__u8 verdict = glob((const char *)settings.file_glob, name->file, glob_file_step, FILE_LEN) &&
		       glob((const char *)settings.func_glob, name->func, glob_func_step, FUNC_LEN);
	bpf_map_update_elem(&call_verdicts, name, &verdict, BPF_ANY);
	return verdict;
}

/* Per scope, in a bpf_loop callback: the verifier checks the body once. */
static long call_one(__u32 i, struct scope_list *scopes)
{
	__u32 zero = 0;
	__u64 one = 1;
	struct call_key *key = bpf_map_lookup_elem(&call_scratch, &zero);
	if (!key)
		return 1;
	key->slot = scopes->slot[i & 15];
	__u64 *count = bpf_map_lookup_elem(&call_counts, key);
	if (count)
		__sync_fetch_and_add(count, 1);
	else if (bpf_map_update_elem(&call_counts, key, &one, BPF_NOEXIST)) {
		count = bpf_map_lookup_elem(&call_counts, key);
		if (count)
			__sync_fetch_and_add(count, 1);
		else
			count_loss(LOSS_CALLS_MAP_FULL);
	}
	return 0;
}

SEC("usdt")
int BPF_USDT(function_return, const char *file, const char *func, int line)
{
	__u32 zero = 0, tid = current_tid();
	struct call_key *key = bpf_map_lookup_elem(&call_scratch, &zero);
	if (!key)
		return 0;
	__builtin_memset(key, 0, sizeof(*key));
	read_name(key->file, sizeof(key->file), file);
	read_name(key->func, sizeof(key->func), func);
	if (!matches((struct call_name *)key->file))
		return 0;

	struct scope_list scopes = {};
	int n = current_scopes(tid, &scopes);
	bpf_loop(n, call_one, &scopes, 0);
	return 0;
}

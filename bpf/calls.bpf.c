// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0-only)
/* Calls: function__return fires once per call, inlined or not (function__entry
 * misses the calls CPython 3.11 inlines), so calls are counted there, per
 * (scope, co_filename, co_name), for functions whose names match the globs.
 *
 * A name is hashed only the first time it is seen. CPython passes the same two
 * string pointers for every call of a function, so the hot path finds the
 * function by that pointer pair in call_cache (an array indexed by its hash; then
 * call_sites, an LRU hash keyed by the pair), checks that the strings there still
 * read the same (a pointer pair can be reused by another function after the first
 * one's strings were freed), and counts under the function's small id instead of
 * two hash lookups of the whole 320-byte name. The whole run's
 * count (slot 0) is kept in an array indexed by that id, whose lookup the verifier turns into an
 * index: only windows' counts take a (short) hash lookup.
 *
 * The guard reads both names on every call. What a call costs is the number of user-memory reads,
 * not their length: two 16-byte reads of the str objects' cached hashes cost what the two name reads
 * do (docs/performance.md, "tried and left out"), and co_filename's hash is usually not computed. */
#include "scopes.bpf.h"
#include "maps.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

const volatile struct calls_settings settings = {};

/* Ids of functions that match; the engine reads it to name the counts. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC); /* memory follows use; only a new name inserts */
	__uint(max_entries, 16384);
	__type(key, struct call_name);
	__type(value, __u32);
} call_ids SEC(".maps");

/* The whole run's count per function id (slot 0). As big as call_ids (the engine sizes both). Ids
 * handed out to CPUs that lost a race to name a function stay unused, so when call_ids is nearly
 * full the last names' ids can pass the end: their calls are losses, as when call_ids is full. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, __u64);
} call_totals SEC(".maps");

/* Windows' counts, per (slot >= 1, id). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC); /* memory follows use; only a first call in a window inserts */
	__uint(max_entries, 16384);
	__type(key, struct call_key);
	__type(value, __u64);
} call_counts SEC(".maps");

__u32 next_call_id = 0;

#define ID_NOT_MATCHING 0xffffffffu /* the globs reject the name */
#define ID_NO_ROOM      0xfffffffeu /* it matches, but call_ids was full */
#define ID_UNCACHED     0xfffffffdu /* call_cache does not hold the site (never an id) */

/* Where CPython's two strings were: the UTF-8 of co_filename and co_name. */
struct call_site {
	__u64 file;
	__u64 func;
};

/* What a site's strings read when it was cached, and what to do with its calls. */
struct call_seen {
	__u32 id;                /* in call_ids, or ID_NOT_MATCHING / ID_NO_ROOM */
	__u32 pad;
	struct call_name name;
};

/* A cache: an evicted site is looked up by its name again. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct call_site);
	__type(value, struct call_seen);
} call_sites SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct call_seen);
} call_scratch SEC(".maps");

/* A call site as the array call_cache holds it: seq is odd while a CPU writes the entry. */
struct call_cached {
	__u64 seq;
	struct call_site site;
	struct call_seen seen;
};

#define CALL_CACHE_BITS 13

/* In front of call_sites: one entry per hash of the pointer pair, found by an index (an array lookup,
 * which the verifier inlines) instead of the LRU hash's call and hash of the 16-byte key, about 40 ns a
 * call less (docs/performance.md). Entries are shared by every CPU without a lock, as a sequence lock: a
 * writer makes seq odd with a compare-and-swap, writes, and makes it even again; a reader takes an entry
 * only if seq was even and the same before and after its reads, so a half-written entry (its writer
 * preempted, or on another CPU) is a miss, never one site's id with another's name. A site whose entry
 * another site took is found in call_sites, as before, and takes the entry back. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1 << CALL_CACHE_BITS);
	__type(key, __u32);
	__type(value, struct call_cached);
} call_cache SEC(".maps");

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
	return glob((const char *)settings.file_glob, name->file, glob_file_step, FILE_LEN) &&
	       glob((const char *)settings.func_glob, name->func, glob_func_step, FUNC_LEN);
}

/* The id of a matching name: its entry in call_ids, made on first sight. */
static __always_inline __u32 id_of(struct call_name *name)
{
	__u32 *known = bpf_map_lookup_elem(&call_ids, name);
	if (known)
		return *known;
	__u32 id = __sync_fetch_and_add(&next_call_id, 1);
	if (id >= ID_UNCACHED)
		return ID_NO_ROOM;
	/* Another CPU may name it first: then its id counts (ours stays unused). */
	known = lookup_or_init(&call_ids, name, &id);
	return known ? *known : ID_NO_ROOM;
}

/* Whether two zero-padded names are the same, reading only the words up to each NUL:
 * file_words and func_words count the words that hold a string and its NUL. */
static __always_inline int same_name(const struct call_name *a, const struct call_name *b,
				     __u32 file_words, __u32 func_words)
{
	const __u64 *x = (const __u64 *)a->file, *y = (const __u64 *)b->file;
	for (int i = 0; i < FILE_LEN / 8; i++) {
		if (i >= file_words)
			break;
		if (x[i] != y[i])
			return 0;
	}
	x = (const __u64 *)a->func;
	y = (const __u64 *)b->func;
	for (int i = 0; i < FUNC_LEN / 8; i++) {
		if (i >= func_words)
			break;
		if (x[i] != y[i])
			return 0;
	}
	return 1;
}

/* The 8-byte words a read_name() result fills, its NUL included. */
static __always_inline __u32 words(long read)
{
	return read > 0 ? (read + 7) / 8 : 1;
}

static __always_inline __u32 cache_index(__u64 file, __u64 func)
{
	__u64 h = (file ^ (func * 0x9E3779B97F4A7C15ull)) * 0x9E3779B97F4A7C15ull;
	return (__u32)(h >> (64 - CALL_CACHE_BITS));
}

/* The entry's seq, read before (and after) its other fields are: on x86 loads are not reordered with
 * loads, so a compiler barrier is enough; elsewhere an atomic add of 0, which orders them. */
static __always_inline __u64 cache_seq(struct call_cached *c)
{
#if defined(__TARGET_ARCH_x86)
	asm volatile("" ::: "memory");
	__u64 seq = *(volatile __u64 *)&c->seq;
	asm volatile("" ::: "memory");
	return seq;
#else
	return __sync_fetch_and_add(&c->seq, 0);
#endif
}

/* The id call_cache holds for the site (file, func) whose strings read now, or ID_UNCACHED: taken only
 * if the entry's seq was even and the same before and after its other fields were read. */
static __always_inline __u32 cached_id(struct call_cached *c, const struct call_name *now, __u64 file, __u64 func,
				       __u32 file_words, __u32 func_words)
{
	__u64 seq = cache_seq(c);
	if ((seq & 1) || c->site.file != file || c->site.func != func ||
	    !same_name(&c->seen.name, now, file_words, func_words))
		return ID_UNCACHED;
	__u32 id = c->seen.id;
	return cache_seq(c) == seq ? id : ID_UNCACHED;
}

/* Writes the entry (its seq made odd by the caller). A global function: the 328-byte copy verified once. */
__attribute__((noinline)) int fill_cached(struct call_cached *c, const struct call_seen *now, __u64 file, __u64 func)
{
	if (!c || !now)
		return 0;
	c->site.file = file;
	c->site.func = func;
	__builtin_memcpy(&c->seen, now, sizeof(c->seen));
	return 0;
}

struct count_ctx {
	struct scope_list scopes;
	__u32 id;
	__u32 pad;
};

static __always_inline void count_in(__u32 slot, __u32 id)
{
	struct call_key key = { .slot = slot, .id = id };
	if (!increment(&call_counts, &key))
		count_loss(LOSS_CALLS_MAP_FULL);
}

/* Per window scope (scopes 1..n-1), in a bpf_loop callback: the verifier checks the body once. */
static long count_in_window(__u32 i, struct count_ctx *c)
{
	count_in(c->scopes.slot[(i + 1) & 15], c->id);
	return 0;
}

/* The probe's arguments. libbpf's bpf_usdt_arg() finds the probe's spec again for each argument and
 * reads a register with bpf_probe_read_kernel(): the two names cost 130 ns of a call's 535 that way
 * (docs/performance.md). CPython 3.11 and 3.15 pass them in registers, which a uprobe program may
 * read straight from its context at a constant offset: one branch per register, the spec found once.
 * Any other kind of argument, or another architecture, goes through bpf_usdt_arg(). */
#if defined(__TARGET_ARCH_x86)
/* The barrier keeps clang from merging the cases into one load at a computed offset, which the
 * verifier refuses (a context field is read at a constant offset only). */
#define REG_CASE(field)                                      \
	case __builtin_offsetof(struct pt_regs, field):      \
		*val = ctx->field;                           \
		asm volatile("" ::: "memory");               \
		return 1;

static __always_inline int read_reg(struct pt_regs *ctx, short off, unsigned long *val)
{
	switch (off) {
	REG_CASE(r15) REG_CASE(r14) REG_CASE(r13) REG_CASE(r12) REG_CASE(rbp) REG_CASE(rbx)
	REG_CASE(r11) REG_CASE(r10) REG_CASE(r9) REG_CASE(r8) REG_CASE(rax) REG_CASE(rcx)
	REG_CASE(rdx) REG_CASE(rsi) REG_CASE(rdi) REG_CASE(rsp)
	}
	return 0;
}
#else
static __always_inline int read_reg(struct pt_regs *ctx, short off, unsigned long *val)
{
	return 0;
}
#endif

static __always_inline long usdt_arg(struct pt_regs *ctx, const struct __bpf_usdt_spec *spec, __u32 n)
{
	long val = 0;
	if (spec && n < spec->arg_cnt && spec->args[n].arg_type == BPF_USDT_ARG_REG) {
		const struct __bpf_usdt_arg_spec *a = &spec->args[n];
		unsigned long raw;
		if (read_reg(ctx, a->reg_off, &raw)) {
			/* as bpf_usdt_arg() casts 1-, 2- and 4-byte arguments */
			raw <<= a->arg_bitshift;
			return a->arg_signed ? (long)raw >> a->arg_bitshift : (long)(raw >> a->arg_bitshift);
		}
	}
	bpf_usdt_arg(ctx, n, &val);
	return val;
}

SEC("usdt")
int function_return(struct pt_regs *ctx)
{
	int spec_id = __bpf_usdt_spec_id(ctx);
	const struct __bpf_usdt_spec *spec = spec_id < 0 ? 0 : bpf_map_lookup_elem(&__bpf_usdt_specs, &spec_id);
	const char *file = (const char *)usdt_arg(ctx, spec, 0);
	const char *func = (const char *)usdt_arg(ctx, spec, 1);
	__u32 zero = 0;
	struct call_seen *now = bpf_map_lookup_elem(&call_scratch, &zero);
	if (!now)
		return 0;
	__builtin_memset(&now->name, 0, sizeof(now->name));
	__u32 file_words = words(read_name(now->name.file, FILE_LEN, file));
	__u32 func_words = words(read_name(now->name.func, FUNC_LEN, func));

	__u32 index = cache_index((__u64)file, (__u64)func);
	struct call_cached *cached = bpf_map_lookup_elem(&call_cache, &index);
	if (!cached)
		return 0;
	__u32 id = cached_id(cached, &now->name, (__u64)file, (__u64)func, file_words, func_words);
	if (id == ID_UNCACHED) {
		struct call_site site = { .file = (__u64)file, .func = (__u64)func };
		struct call_seen *seen = bpf_map_lookup_elem(&call_sites, &site);
		if (seen && same_name(&seen->name, &now->name, file_words, func_words)) {
			id = seen->id;
		} else {
			id = matches(&now->name) ? id_of(&now->name) : ID_NOT_MATCHING;
			now->id = id;
			bpf_map_update_elem(&call_sites, &site, now, BPF_ANY);
		}
		now->id = id;
		/* The entry is taken only while no CPU writes it (seq even), and made odd while this one does. */
		__u64 seq = cache_seq(cached);
		if (!(seq & 1) && __sync_val_compare_and_swap(&cached->seq, seq, seq + 1) == seq) {
			fill_cached(cached, now, (__u64)file, (__u64)func);
			__sync_fetch_and_add(&cached->seq, 1);
		}
	}
	if (id == ID_NOT_MATCHING)
		return 0;

	struct count_ctx c = { .id = id };
	/* current_scopes(), with the thread's id asked for only when a window is open: the helper's call
	 * is about 20 ns of its own (docs/performance.md). */
	int n = scope_count(window_open() ? fill_scopes(current_tid(), &c.scopes) : 1);
	/* Slot 0, the whole run, is always first. */
	__u64 *total = id == ID_NO_ROOM ? 0 : bpf_map_lookup_elem(&call_totals, &id);
	if (!total) {
		count_losses(LOSS_CALLS_MAP_FULL, n); /* one call uncounted in each of its scopes */
		return 0;
	}
	__sync_fetch_and_add(total, 1);
	if (n > 1)
		bpf_loop(n - 1, count_in_window, &c, 0);
	return 0;
}

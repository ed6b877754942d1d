/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0-only) */
/*
 * Reads a CPython str object (PEP 393) as UTF-8 from the traced process, with the offsets the
 * engine passes in (struct pystr_layout). Only for objects whose type is str or a subclass of it.
 */
#ifndef PYBUDGET_PYSTR_BPF_H
#define PYBUDGET_PYSTR_BPF_H

#include "common.bpf.h"

#define PY_TPFLAGS_UNICODE_SUBCLASS (1UL << 28)
#define PYSTR_MAX 64 /* bytes of UTF-8 kept, NUL included */

/* A non-ASCII str: its code units as the str holds them, and the UTF-8 made of them. Aligned so that
 * clearing and copying utf8 take 8-byte words: byte by byte they were 190 instructions, which the
 * verifier walked for every state reaching them. */
struct pystr_scratch {
	__u8 raw[256];              /* up to PYSTR_MAX - 1 characters of 4 bytes */
	char utf8[PYSTR_MAX];
} __attribute__((aligned(8)));

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pystr_scratch);
} pystr_scratch SEC(".maps");

struct utf8_state {
	struct pystr_scratch *buf;
	__u32 kind;                 /* bytes per character: 1, 2 or 4 */
	__u32 out;                  /* UTF-8 bytes written */
};

/* Encodes character i of buf->raw as UTF-8; stops, at a character boundary, when the name is full. */
static long utf8_step(__u32 i, struct utf8_state *s)
{
	struct pystr_scratch *b = s->buf;
	__u32 c;
	if (s->kind == 1)
		c = b->raw[i & 255];
	else if (s->kind == 2)
		c = b->raw[(2 * i) & 255] | (__u32)b->raw[(2 * i + 1) & 255] << 8;
	else
		c = b->raw[(4 * i) & 255] | (__u32)b->raw[(4 * i + 1) & 255] << 8 |
		    (__u32)b->raw[(4 * i + 2) & 255] << 16 | (__u32)b->raw[(4 * i + 3) & 255] << 24;
	__u32 o = s->out;
	__u32 len = c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
	if (o + len > PYSTR_MAX - 1)
		return 1;
	if (len == 1) {
		b->utf8[o & 63] = c;
	} else if (len == 2) {
		b->utf8[o & 63] = 0xc0 | c >> 6;
		b->utf8[(o + 1) & 63] = 0x80 | (c & 0x3f);
	} else if (len == 3) {
		b->utf8[o & 63] = 0xe0 | c >> 12;
		b->utf8[(o + 1) & 63] = 0x80 | ((c >> 6) & 0x3f);
		b->utf8[(o + 2) & 63] = 0x80 | (c & 0x3f);
	} else {
		b->utf8[o & 63] = 0xf0 | (c >> 18 & 0x07);
		b->utf8[(o + 1) & 63] = 0x80 | ((c >> 12) & 0x3f);
		b->utf8[(o + 2) & 63] = 0x80 | ((c >> 6) & 0x3f);
		b->utf8[(o + 3) & 63] = 0x80 | (c & 0x3f);
	}
	s->out = o + len;
	return 0;
}

/* True when obj's type is str or a subclass of it (tp_flags has Py_TPFLAGS_UNICODE_SUBCLASS):
 * bytes, floats and the like are not read as names. */
static __always_inline int is_str(const void *obj, const volatile struct pystr_layout *layout)
{
	const void *type = 0;
	unsigned long flags = 0;
	if (!layout->type_flags || bpf_probe_read_user(&type, sizeof(type), obj + layout->ob_type) || !type)
		return 0;
	if (bpf_probe_read_user(&flags, sizeof(flags), type + layout->type_flags))
		return 0;
	return (flags & PY_TPFLAGS_UNICODE_SUBCLASS) != 0;
}

/* Reads the str obj as UTF-8 into out (PYSTR_MAX bytes, zeroed by the caller): at most
 * PYSTR_MAX - 1 bytes, cut at a character boundary. 0 when it cannot (not a str, a legacy str
 * not made ready). A compact str holds its characters after its header (ASCII:
 * after PyASCIIObject; else after PyCompactUnicodeObject); any other str (a subclass's instance,
 * such as an enum.StrEnum member) points to them from where a compact one's would begin. An ASCII
 * str's characters are NUL-terminated UTF-8 already; others hold 1, 2 or 4 bytes per character
 * (the cached UTF-8 copy is usually not made yet, so that one cannot be relied on): encoded here. */
static __always_inline int read_pystr(const void *obj, char *out, const volatile struct pystr_layout *layout)
{
	long length = 0;
	__u32 state = 0, zero = 0;
	const void *chars = 0;

	if (!obj || !layout->unicode_ascii_data || !layout->unicode_compact_data || !is_str(obj, layout))
		return 0;
	if (bpf_probe_read_user(&length, sizeof(length), obj + layout->unicode_length) || length < 0)
		return 0;
	if (bpf_probe_read_user(&state, sizeof(state), obj + layout->unicode_state))
		return 0;
	int compact = (state >> 5) & 1, ascii = (state >> 6) & 1;
	__u32 kind = (state >> 2) & 7;
	if (compact)
		chars = obj + (ascii ? layout->unicode_ascii_data : layout->unicode_compact_data);
	else if (bpf_probe_read_user(&chars, sizeof(chars), obj + layout->unicode_compact_data) || !chars)
		return 0;
	if (ascii) /* "" too: the empty name is a name */
		return bpf_probe_read_user_str(out, PYSTR_MAX, chars) > 0;
	if (kind != 1 && kind != 2 && kind != 4)
		return 0;
	struct pystr_scratch *b = bpf_map_lookup_elem(&pystr_scratch, &zero);
	if (!b)
		return 0;
	__u32 n = length < PYSTR_MAX - 1 ? length : PYSTR_MAX - 1;
	__u32 bytes = n * kind;
	if (bytes > sizeof(b->raw))
		bytes = sizeof(b->raw);
	if (bpf_probe_read_user(b->raw, bytes, chars))
		return 0;
	__builtin_memset(b->utf8, 0, sizeof(b->utf8));
	struct utf8_state s = { .buf = b, .kind = kind, .out = 0 };
	bpf_loop(n, utf8_step, &s, 0);
	__builtin_memcpy(out, b->utf8, PYSTR_MAX);
	return s.out > 0;
}

#endif

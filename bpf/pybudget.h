/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0-only) */
/*
 * Layouts shared by the BPF programs and the Java reader (dev.pybudget.engine.Layout).
 * Fixed-width fields only: the Java side reads these bytes at these offsets (engine/LayoutContractTest
 * compiles this header and compares every size, offset and enum value with engine/Layout).
 *
 * License of bpf/: (BSD-2-Clause OR GPL-2.0-only), "Dual BSD/GPL" to the kernel, as libbpf-tools'
 * programs: the helpers they call (bpf_probe_read_user, bpf_loop, ...) are GPL-only, so the kernel needs
 * a GPL-compatible license string, and BSD-2-Clause keeps them usable in the Apache-2.0 project.
 */
#ifndef PYBUDGET_H
#define PYBUDGET_H

/* Scopes: slot 0 is the whole run; 1..PY_SLOT_LAST are windows marked from
 * Python (allocated by audit.bpf.c on first use of a name); JAVA_SLOT_FIRST..MAX_SLOTS-1
 * are windows opened from Java (allocated by the engine). */
#define MAX_SLOTS        128
#define PY_SLOT_LAST     63
#define JAVA_SLOT_FIRST  64
#define MAX_DEPTH        4   /* Python windows open at once on one thread */
#define MAX_JAVA_OPEN    4   /* Java windows open at once */
#define MAX_SCOPES       (1 + MAX_DEPTH + MAX_JAVA_OPEN)
#define MAX_WINDOW_THREADS 4096 /* threads with a Python window open at once */

#define NAME_LEN         128 /* module names in events */
#define WINDOW_NAME_LEN  64
#define AUDIT_NAME_LEN   64
#define FILE_LEN         256 /* power of two: the glob matcher masks indices with it */
#define FUNC_LEN         64
#define PATTERN_LEN      128
#define HIST_BUCKETS     40  /* log2 of nanoseconds: bucket b holds [2^b, 2^(b+1)) */

/* What a name reads as when CPython passed NULL for it: its dtrace hooks call
 * PyUnicode_AsUTF8, which fails for a str with a lone surrogate (a file name
 * whose bytes are not UTF-8). CPython then leaves that UnicodeEncodeError set,
 * and the workload gets a SystemError there (3.11: imports and calls; 3.13:
 * imports): a CPython bug that only shows while the probe is attached.
 * Counted in LOSS_NAME_UNENCODABLE. */
#define UNENCODABLE_NAME "<not UTF-8>"

/* Counted in the kernel for every scope; the budgets are checked on these. */
struct scope_stats {
	__u64 gc_collections[3];
	__u64 gc_collected;
	__u64 gc_pause_count;
	__u64 gc_pause_max_ns;
	__u64 gc_pause_total_ns;
	__u64 gc_pause_hist[HIST_BUCKETS];
	__u64 imports;       /* import__find__load__start hits */
	__u64 audit_events;  /* audit hits */
	__u64 window_unfollowed_ends; /* ends of this window on a thread where it was not open */
};

/* Things that could not be recorded, each counted (index into the `losses` array). */
enum loss {
	LOSS_RINGBUF_FULL = 0,   /* an event could not be reserved in the ring buffer */
	LOSS_CALLS_MAP_FULL,     /* a call could not be counted: no room for its function's id or its (scope, function) count */
	LOSS_AUDIT_MAP_FULL,     /* a (scope, event) count had no room */
	LOSS_WINDOW_SLOTS_FULL,  /* more distinct Python window names than slots */
	LOSS_WINDOW_TOO_DEEP,    /* more than MAX_DEPTH Python windows nested on a thread */
	LOSS_WINDOW_NAME,        /* a window mark whose name could not be read */
	LOSS_WINDOW_UNBALANCED,  /* an end mark with no matching begin on that thread */
	LOSS_GC_UNPAIRED,        /* gc__done without gc__start on the same thread */
	LOSS_GLOB_TOO_COMPLEX,   /* the call pattern needed more steps than allowed */
	LOSS_NAME_UNENCODABLE,   /* CPython passed no name: it could not encode it as UTF-8 (see UNENCODABLE_NAME) */
	LOSS_WINDOW_THREADS_FULL, /* a begin on a thread with no room in thread_windows */
	LOSS_GIL_UNPAIRED,       /* take_gil returned without its entry on that thread, or was entered again before it returned */
	LOSS_COUNT
};

enum event_kind {
	EV_IMPORT_START = 1,
	EV_IMPORT_DONE  = 2,
	EV_WINDOW_BEGIN = 3,
	EV_WINDOW_END   = 4,
	EV_AUDIT        = 5,
};

/* One record in the ring buffer. */
struct event {
	__u64 ts_ns;              /* bpf_ktime_get_ns: CLOCK_MONOTONIC */
	__u32 kind;               /* enum event_kind */
	__u32 tid;                /* kernel thread id */
	__s32 value;              /* import: found flag; window: slot */
	__u32 nscopes;            /* scopes open on the thread when it happened */
	__u32 scopes[MAX_SCOPES];
	__u32 pad;
	char  name[NAME_LEN];     /* module, window or audit event name, NUL-terminated */
};

/* A function as CPython names it: co_filename and co_name, NUL-terminated and zero-padded. */
struct call_name {
	char file[FILE_LEN];
	char func[FUNC_LEN];
};

/* Calls are counted per (scope, function id); call_ids maps each name to its id. */
struct call_key {
	__u32 slot;
	__u32 id;
};

struct audit_key {
	__u32 slot;
	__u32 pad;
	char  event[AUDIT_NAME_LEN];
};

struct window_key {
	char name[WINDOW_NAME_LEN];
};

struct thread_windows {
	__u32 depth;
	__u32 slots[MAX_DEPTH];
};

/* Where CPython keeps a str's characters, a type's flags and a tuple's items: they move between
 * versions and builds, so the engine passes them in (0 = unknown: no str is read). */
struct pystr_layout {
	__u32 unicode_ascii_data;   /* offset of the characters of a compact ASCII str */
	__u32 unicode_compact_data; /* offset of the characters of a compact non-ASCII str, and of the
	                             * pointer to them in any other str (a subclass's, e.g. a StrEnum member) */
	__u32 type_flags;           /* offset of tp_flags in PyTypeObject */
	__u32 ob_type;              /* offset of ob_type in PyObject */
	__u32 unicode_length;       /* offset of length in PyASCIIObject */
	__u32 unicode_state;        /* offset of state in PyASCIIObject */
	__u32 tuple_size;           /* offset of ob_size in PyTupleObject */
	__u32 tuple_items;          /* offset of ob_item in PyTupleObject */
};

/* Settings, one struct per object, written between open and load (0 = off). */
struct audit_settings {
	__u32 stream_events;        /* 1: stream every audit event too */
	struct pystr_layout str;    /* to read window names */
};

struct calls_settings {
	char file_glob[PATTERN_LEN]; /* '*' and '?' wildcards; matched against co_filename */
	char func_glob[PATTERN_LEN]; /* matched against co_name */
};

/* ---- Kernel context (kernel.bpf.c): the scheduler, page faults and syscalls of the workload's threads ---- */

/* Counted per scope slot in the kernel_stats map. */
struct kernel_scope_stats {
	__u64 offcpu_runnable_ns;   /* switched out while runnable (preempted) until switched back in */
	__u64 offcpu_blocked_ns;    /* switched out blocked (sleep, I/O, lock) until switched back in */
	__u64 offcpu_count;         /* off-CPU intervals that ended in the scope */
	__u64 voluntary_switches;   /* the thread's nvcsw grew: as getrusage counts ru_nvcsw */
	__u64 involuntary_switches; /* its nivcsw grew: ru_nivcsw */
	__u64 minor_faults;         /* PERF_COUNT_SW_PAGE_FAULTS_MIN: where the kernel counts ru_minflt */
	__u64 major_faults;         /* PERF_COUNT_SW_PAGE_FAULTS_MAJ: ru_majflt */
	__u64 syscalls;             /* every sys_enter */
	__u64 syscalls_unnamed;     /* syscalls with no room in syscall_counts: in `syscalls`, not by name */
	__u64 offcpu_unmatched;     /* a switch-in with no switch-out before it, or the reverse: the tracepoint
	                             * did not deliver one, so off-CPU time is short by an interval */
	__u64 offcpu_recovered;     /* intervals whose switch-in the tracepoint did not deliver, measured at the
	                             * thread's next switch-out from the CPU time it ran since it was picked:
	                             * in offcpu_count and the off-CPU time, not in offcpu_unmatched */
};

/* Syscalls are counted per (scope, syscall number). */
struct syscall_key {
	__u32 slot;
	__u32 nr;
};

/* Which process is the workload: the engine writes ns_tgid (its pid as the engine sees it), the
 * kernel learns host_tgid (as tracepoints see it) at the first event of that process. */
struct kernel_target {
	__u32 ns_tgid;
	__u32 host_tgid;
};

/* kernel.bpf.o's settings (0 = off). The pid namespace the engine sees its pids in: st_dev and
 * st_ino of /proc/self/ns/pid. */
struct kernel_settings {
	__u64 pidns_dev;
	__u64 pidns_ino;
	__u32 count_switches;       /* sched_switch: off-CPU time and context switches */
	__u32 count_syscalls;       /* sys_enter: syscalls by number */
};

/* ---- GIL waits (gil.bpf.c): entry to return of CPython's internal take_gil, per scope ---- */

/* Counted per scope slot in the gil_stats map. Every acquisition of the GIL enters take_gil, also one
 * that finds it free (after a blocking call, say); a contended one slept inside take_gil (see gil.bpf.c). */
struct gil_scope_stats {
	__u64 wait_total_ns;                 /* entry to return, summed over acquisitions */
	__u64 wait_max_ns;
	__u64 wait_hist[HIST_BUCKETS];       /* log2 of every acquisition's wait: their sum is the count */
	__u64 contended_total_ns;            /* the same for the contended acquisitions */
	__u64 contended_max_ns;
	__u64 contended_hist[HIST_BUCKETS];
};

/* gil.bpf.o's settings (0 = off). */
struct gil_settings {
	__u32 count_contended;           /* tell contended acquisitions apart (their thread slept in take_gil) */
	__u32 pad;
};

#endif

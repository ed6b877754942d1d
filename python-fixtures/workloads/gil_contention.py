"""gil_contention: CPU-bound threads that take turns holding the GIL, and the oracle of their turns.

Usage: gil_contention.py ORACLE_JSON THREADS SECONDS [SWITCH_INTERVAL_MS]   (ORACLE_JSON "-": none written)

THREADS threads (1 = the single-threaded run) each spin for SECONDS of wall time in pure Python,
inside the window "spin-I" (I = 0..THREADS-1, marked on that thread). With two or more, CPython
makes the thread holding the GIL drop it once per switch interval (sys.setswitchinterval; 5 ms by
default, set to SWITCH_INTERVAL_MS when given) when another one asks for it, so each thread waits for
the GIL about once per interval of the other's turn.

The in-process oracle: each spinning thread reads time.perf_counter_ns() on every turn of its loop
(about 0.1-0.3 us apart while it runs); a gap longer than GAP_NS is a time it did not run: it waited
for the GIL, or the kernel preempted it. Per thread: "gaps" (how many), "gapNanos" (their sum), the
loop turns, "cpuNanos" (time.thread_time_ns over the loop: a turn only ends while its holder runs) and its
native thread id. The single-threaded run waits for no thread: its gaps are the
kernel's preemptions only.
"""
import json
import os
import sys
import threading
import time

ORACLE, THREADS, SECONDS = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
if len(sys.argv) > 4:
    sys.setswitchinterval(float(sys.argv[4]) / 1000)
GAP_NS = 200_000
start = threading.Barrier(THREADS)
results = [None] * THREADS


def spin(index):
    name = "spin-%d" % index
    start.wait()
    sys.audit("pybudget.begin", name)
    clock = time.perf_counter_ns
    cpu = time.thread_time_ns()
    now = clock()
    end = now + int(SECONDS * 1e9)
    last = now
    gaps = gap_ns = turns = 0
    while now < end:
        now = clock()
        if now - last > GAP_NS:
            gaps += 1
            gap_ns += now - last
        last = now
        turns += 1
    cpu = time.thread_time_ns() - cpu
    sys.audit("pybudget.end", name)
    results[index] = {"name": name, "gaps": gaps, "gapNanos": gap_ns, "turns": turns, "cpuNanos": cpu,
                      "nativeId": threading.get_native_id()}


began = time.monotonic_ns()
if THREADS == 1:
    spin(0)
else:
    threads = [threading.Thread(target=spin, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
wall = time.monotonic_ns() - began

if ORACLE != "-":  # "-": no oracle file (a budget test that reads only the recording)
    tmp = ORACLE + ".tmp"
    with open(tmp, "w") as f:
        json.dump({"threads": results, "switchIntervalNanos": round(sys.getswitchinterval() * 1e9),
                   "wallNanos": wall, "gapNanos": GAP_NS, "pid": os.getpid()}, f, sort_keys=True)
    os.replace(tmp, ORACLE)

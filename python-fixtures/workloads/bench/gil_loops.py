"""gil_loops: acquisitions of the GIL, timed in process, for the GIL-wait family's cost (bench/GilWaitsCost).

Usage: gil_loops.py N   prints the nanoseconds per os.stat("/"): CPython gives the GIL up around the syscall
(drop_gil) and takes it back (take_gil, uncontended), so with GIL waits recorded each pays a uprobe on drop_gil and
a uprobe and a uretprobe on take_gil. (time.sleep(0) is no good here: it yields the CPU on a busy machine.)
"""
import os
import sys
import time

n = int(sys.argv[1])
stat = os.stat
for _ in range(1000):  # warm-up
    stat("/")
t = time.perf_counter_ns()
for _ in range(n):
    stat("/")
print((time.perf_counter_ns() - t) / n)

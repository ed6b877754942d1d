"""kernel_loops: what the kernel-context programs cost, timed from inside Python.

  syscalls N   N os.getppid() calls in a window: ns per call (one sys_enter hit each)
  switches N   N round trips between two threads through two pipes: ns per round trip
               (two context switches, four syscalls, when the threads share a CPU)
  idle S       sleeps S seconds (a traced process that does nothing, while another is timed)

Prints one number: nanoseconds per iteration.
"""
import os
import sys
import threading
import time

kind, n = sys.argv[1], int(sys.argv[2])
if kind == "idle":
    time.sleep(n)
    sys.exit(0)

sys.audit("pybudget.begin", "loop")
if kind == "syscalls":
    t = time.perf_counter_ns()
    for _ in range(n):
        os.getppid()
    elapsed = time.perf_counter_ns() - t
elif kind == "switches":
    a_r, a_w = os.pipe()
    b_r, b_w = os.pipe()

    def echo():
        for _ in range(n):
            os.write(b_w, os.read(a_r, 1))

    th = threading.Thread(target=echo)
    th.start()
    t = time.perf_counter_ns()
    for _ in range(n):
        os.write(a_w, b"x")
        os.read(b_r, 1)
    elapsed = time.perf_counter_ns() - t
    th.join()
else:
    raise SystemExit("unknown kind " + kind)
sys.audit("pybudget.end", "loop")
print(elapsed / n)

"""Cost of a call under a call counter: one function the pattern names, one it does not.

Usage: call_cost.py N
  Calls matched() N times, then unmatched() N times (each loop best of 3), timed from inside
  Python in thread CPU time (time.thread_time: it holds up on a busy machine; a probe's time in
  the kernel runs on this thread too). The benchmark traces it with the pattern
  '*/call_cost.py:matched' and subtracts the untraced run's times.
Prints "BENCH matched NANOS", "BENCH unmatched NANOS" and "BENCH calls N".
"""
import sys
import time

from marks import mark, leave


def matched():
    pass


def unmatched():
    pass


def loop(f, n):
    cpu = time.thread_time_ns
    best = None
    for _ in range(3):
        t = cpu()
        for _ in range(n):
            f()
        t = cpu() - t
        best = t if best is None else min(best, t)
    return best


def main():
    n = int(sys.argv[1])
    mark("matched", loop(matched, n))
    mark("unmatched", loop(unmatched, n))
    mark("calls", n)
    leave()


main()

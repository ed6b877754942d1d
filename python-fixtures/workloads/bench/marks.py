"""Marks the benchmark reads from a workload's stdout: "BENCH key value" lines.

Times are time.perf_counter_ns(), which is CLOCK_MONOTONIC on Linux: the same
clock as the JVM's System.nanoTime(), so the benchmark can subtract them.
"""
import os
import sys
import time

now = time.perf_counter_ns


def mark(key, value=None):
    sys.stdout.write("BENCH %s %d\n" % (key, now() if value is None else value))
    sys.stdout.flush()


def leave():
    """Exits at once (no interpreter finalisation) after the "last" mark."""
    mark("last")
    os._exit(0)

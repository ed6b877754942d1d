"""Micro-loops that hit one probe N times, timed from inside Python.

Usage: loops.py KIND N     KIND: gc | calls | audit | imports
  gc       gc.collect(0) N times with automatic gc off: gc__start + gc__done per loop (2 hits)
  calls    a Python function called N times: one function__return per call
  audit    sys.audit("bench.event") N times: one audit hit (and one streamed event if asked)
  imports  a module imported afresh N times through a trivial finder first on sys.meta_path:
           import__find__load__start + __done (2 streamed events) and one "import" audit hit
Prints "BENCH elapsed NANOS" (the loop only, time.perf_counter), "BENCH cpu NANOS" (the same loop
in this thread's CPU time, time.thread_time: it includes the probes' time in the kernel, which runs
on this thread, and leaves out waiting for a CPU, so it holds up on a busy machine) and
"BENCH hits H" (probe hits in the loop).
"""
import gc
import sys
from importlib.machinery import ModuleSpec

import time

from marks import mark, leave

_wall, _cpu = time.perf_counter_ns, time.thread_time_ns
_start = [0, 0]


def now():
    """Starts the clocks; run() returns their readings when the loop ends (elapsed, cpu)."""
    _start[0], _start[1] = _cpu(), _wall()
    return _start[1]


def since(_):
    wall, cpu = _wall(), _cpu()
    return wall - _start[1], cpu - _start[0]


def f():
    pass


class _Loader:
    def create_module(self, spec):
        return None

    def exec_module(self, module):
        pass


class _Finder:
    loader = _Loader()

    @classmethod
    def find_spec(cls, name, path=None, target=None):
        return ModuleSpec(name, cls.loader) if name == "bench_fresh" else None


def run(kind, n):
    gc.disable()
    if kind == "gc":
        collect = gc.collect
        collect(0)
        t = now()
        for _ in range(n):
            collect(0)
        return since(t), 2 * n
    if kind == "calls":
        f()
        t = now()
        for _ in range(n):
            f()
        return since(t), n
    if kind == "audit":
        audit = sys.audit
        audit("bench.event")
        t = now()
        for _ in range(n):
            audit("bench.event")
        return since(t), n
    if kind == "imports":
        sys.meta_path.insert(0, _Finder)
        modules = sys.modules
        import bench_fresh  # noqa: F401
        t = now()
        for _ in range(n):
            del modules["bench_fresh"]
            import bench_fresh  # noqa: F401,F811
        return since(t), 2 * n
    raise SystemExit("unknown kind " + kind)


def main():
    kind, n = sys.argv[1], int(sys.argv[2])
    (elapsed, cpu), hits = run(kind, n)
    mark("elapsed", elapsed)
    mark("cpu", cpu)
    mark("hits", hits)
    leave()


main()

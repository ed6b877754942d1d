"""pybudget's probe calibration: the same loops untraced and traced; each loop's thread CPU time is
written to the file given, and each runs in a window named after it (the trace counts its hits exactly).
Usage: probe_calibration.py OUT_FILE"""
import gc
import os
import sys
import time

from importlib.machinery import ModuleSpec

out = sys.argv[1]
N = 10000


def f():
    pass


def audit_loop():
    for _ in range(N):
        sys.audit("pybudget.calibration")


def calls_loop():
    for _ in range(N):
        f()


def gc_loop():
    for _ in range(N // 4):
        gc.collect(0)


def syscalls_loop():
    for _ in range(N):
        os.getppid()


class _Loader:
    def create_module(self, spec):
        return None

    def exec_module(self, module):
        pass


class _Finder:
    """Finds one empty module without touching the file system: an import's probes, not its syscalls."""
    loader = _Loader()

    @classmethod
    def find_spec(cls, name, path=None, target=None):
        return ModuleSpec(name, cls.loader) if name == "pybudget_calibration_module" else None


def imports_loop():
    for _ in range(N // 10):
        sys.modules.pop("pybudget_calibration_module", None)
        import pybudget_calibration_module  # noqa: F401


sys.meta_path.insert(0, _Finder)


gc.disable()
times = []
for name, loop in (("audit", audit_loop), ("calls", calls_loop), ("gc", gc_loop), ("syscalls", syscalls_loop),
                   ("imports", imports_loop)):
    sys.audit("pybudget.begin", name)
    start = time.thread_time_ns()
    loop()
    times.append("%s %d" % (name, time.thread_time_ns() - start))
    sys.audit("pybudget.end", name)
with open(out, "w") as result:
    result.write("\n".join(times) + "\n")

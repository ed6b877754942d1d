"""pybudget's probe calibration: the same loops untraced and traced, each in a window named after it (the trace
counts its hits exactly). Each loop runs in chunks, each chunk right after a chunk of a reference loop that no
probe sees; a loop's time is written to the file given in reference chunks (the median over its chunks), and the
reference chunk's median time in ns. Why: this machine runs the same loop up to 2x slower from one moment to the
next (500 imports took 3.4 ms in one process, 6 ms in the next, and changed speed within one), while a loop's
time over the reference chunk just before it stays within 7%.
Usage: probe_calibration.py OUT_FILE"""
import gc
import os
import statistics
import sys
import time

from importlib.machinery import ModuleSpec

out = sys.argv[1]
N = 10000


def f():
    pass


def reference_loop(n):
    """Work that no probe of any trace sees (no call of a Python function, no syscall, audit event, import or
    collection): the speed the machine runs at now."""
    d = {}
    for i in range(n):
        d[i & 63] = str(i)


def audit_loop(n):
    for _ in range(n):
        sys.audit("pybudget.calibration")


def calls_loop(n):
    for _ in range(n):
        f()


def gc_loop(n):
    for _ in range(n // 4):
        gc.collect(0)


def syscalls_loop(n):
    for _ in range(n):
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


def imports_loop(n):
    for _ in range(n // 4):
        sys.modules.pop("pybudget_calibration_module", None)
        import pybudget_calibration_module  # noqa: F401


sys.meta_path.insert(0, _Finder)


gc.disable()
CHUNKS = 5
REFERENCE = 5000
results = []
references = []
for name, loop in (("audit", audit_loop), ("calls", calls_loop), ("gc", gc_loop), ("syscalls", syscalls_loop),
                   ("imports", imports_loop)):
    sys.audit("pybudget.begin", name)
    ratios = []
    for _ in range(CHUNKS):
        start = time.thread_time_ns()
        reference_loop(REFERENCE)
        reference = time.thread_time_ns() - start
        start = time.thread_time_ns()
        loop(N // CHUNKS)
        took = time.thread_time_ns() - start
        ratios.append(took * CHUNKS / reference)
        references.append(reference)
    results.append("%s %.6f" % (name, statistics.median(ratios)))
    sys.audit("pybudget.end", name)
results.append("reference %d" % statistics.median(references))
with open(out, "w") as result:
    result.write("\n".join(results) + "\n")

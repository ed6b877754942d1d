"""kernel_context: request handlers whose kernel side is known by construction.

Each handler runs inside a window marked with sys.audit("pybudget.begin"/"pybudget.end", name), and
the fixture reads its own oracle around the marks, on the same thread:

  resource.getrusage(RUSAGE_THREAD)  ru_nvcsw, ru_nivcsw, ru_minflt, ru_majflt
  time.monotonic_ns() - time.thread_time_ns()  off-CPU time (wall minus on-CPU)

twice: "outer" just outside the two marks and "inner" just inside them. What the kernel counts in
the window lies between the two (the marks and the oracle's own calls sit in between); on a quiet
machine both are equal. The inner readings are inside the window: 2 getrusage and 2 clock_gettime
(CLOCK_THREAD_CPUTIME_ID has no vDSO path) per window, which the tests account for.

  stat     N os.getppid() and M os.stat() on a worker thread, while the main thread makes
           getppid calls of its own outside any window: the window holds its own thread only
  fault    touches every page of a fresh 16 MiB anonymous mmap (minor faults)
  major    reads a file whose pages were dropped from the page cache (major faults, if the
           filesystem honours POSIX_FADV_DONTNEED)
  sleep    K time.sleep(SLEEP) calls: blocked off-CPU time of at least K * SLEEP

Usage: kernel_context.py ORACLE_JSON [N M K]   (defaults 50 20 5)
"""
import json
import mmap
import os
import resource
import sys
import tempfile
import threading
import time

N, M, K = (int(a) for a in sys.argv[2:5]) if len(sys.argv) >= 5 else (50, 20, 5)
SLEEP = 0.02
PAGE = mmap.PAGESIZE
oracle = {"n": N, "m": M, "k": K, "sleepNanos": int(SLEEP * 1e9), "windows": {}}


def reading():
    r = resource.getrusage(resource.RUSAGE_THREAD)
    return {"nvcsw": r.ru_nvcsw, "nivcsw": r.ru_nivcsw, "minflt": r.ru_minflt, "majflt": r.ru_majflt,
            "offcpu": time.monotonic_ns() - time.thread_time_ns()}


def window(name, work):
    outer0 = reading()
    sys.audit("pybudget.begin", name)
    inner0 = reading()
    work()
    inner1 = reading()
    sys.audit("pybudget.end", name)
    outer1 = reading()
    oracle["windows"][name] = {
        "inner": {k: inner1[k] - inner0[k] for k in inner0},
        "outer": {k: outer1[k] - outer0[k] for k in outer0},
    }


def stat_handler():
    for _ in range(N):
        os.getppid()
    for _ in range(M):
        os.stat(__file__)


def fault_handler():
    m = mmap.mmap(-1, 16 << 20)
    for offset in range(0, len(m), PAGE):
        m[offset] = 1
    m.close()


def major_handler(path):
    def handler():
        with open(path, "rb") as f:
            m = mmap.mmap(f.fileno(), 0, prot=mmap.PROT_READ)
            total = 0
            for offset in range(0, len(m), PAGE):
                total += m[offset]
            m.close()
    return handler


def sleep_handler():
    for _ in range(K):
        time.sleep(SLEEP)


def main():
    done = threading.Event()
    main_calls = 0
    worker = threading.Thread(target=lambda: (window("stat", stat_handler), done.set()))
    worker.start()
    while not done.is_set():
        os.getppid()  # the main thread's own syscalls, in no window
        main_calls += 1
    worker.join()
    oracle["mainGetppid"] = main_calls

    window("fault", fault_handler)

    fd, path = tempfile.mkstemp(prefix="pybudget-major-")
    try:
        os.write(fd, os.urandom(4 << 20))
        os.fsync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        os.close(fd)
        window("major", major_handler(path))
    finally:
        os.unlink(path)

    window("sleep", sleep_handler)

    with open(sys.argv[1], "w") as out:
        json.dump(oracle, out)


main()

"""windows: nested, repeated and per-thread windows from raw sys.audit marks.

No oracle.window helper here: the marks are the plain
sys.audit("pybudget.begin", name) / sys.audit("pybudget.end", name) that any
workload can write without a library.

  batch               main thread, holds the three "item" windows
    item  (x3)        each: gc.collect(0), one new import, a few calls
  worker              a second thread, opened while main is inside "batch":
                      its gc.collect(1) and its import count in "worker" and
                      NOT in "batch" (a window holds its own thread only)
  phase > phase       the same name nested: counted once per event, opened=2
  ghost               an "end" without a "begin": counted, closes nothing

Automatic collection is disabled (gc.disable()) so that the only collections
are the explicit ones, and the worker runs while the main thread waits for it
inside "batch", so every count is deterministic.

Usage: windows.py [CALLS]   (default 100 calls of checksum per item)
"""
import os, sys
sys.path.append(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))  # oracle.py
import oracle; oracle.install()

import gc
import sys
import threading

gc.disable()

ITEM_MODULES = ("colorsys", "textwrap", "shlex")


def begin(name):
    sys.audit("pybudget.begin", name)


def end(name):
    sys.audit("pybudget.end", name)


def checksum(i, value):
    return (i * 31 + value) % 65521


def process_item(i, calls):
    begin("item")
    gc.collect(0)
    __import__(ITEM_MODULES[i])
    total = 0
    for value in range(calls):
        total = checksum(total, value)
    end("item")
    return total


def worker(go, results):
    go.wait()
    begin("worker")
    gc.collect(1)
    import difflib
    matcher = difflib.SequenceMatcher(None, "pybudget windows", "pybudget window")
    results.append(round(matcher.ratio(), 3))
    results.append(checksum(7, 11))
    end("worker")


def main():
    calls = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    go = threading.Event()
    results = []
    begin("batch")
    thread = threading.Thread(target=worker, args=(go, results), name="worker")
    thread.start()
    totals = [process_item(i, calls) for i in range(3)]
    go.set()                  # the worker runs while this thread is in "batch"
    thread.join()
    end("batch")

    begin("phase")
    gc.collect(0)
    begin("phase")            # nested under the same name
    gc.collect(0)
    end("phase")
    checksum(1, 2)
    end("phase")

    end("ghost")              # never opened: counted, closes nothing
    print("windows: totals=%s worker=%s" % (totals, results))
    oracle.finish()


main()

"""map_full: more distinct names than the kernel's maps hold, with the oracle on.

In this order, so that each limit is reached by its own part:
  1. windows: "d1" ... "d6" nested six deep (the kernel follows four per
     thread), then WINDOWS distinct names "w0", "w1", ... each opened once
     (the kernel has 63 slots for window names);
  2. calls: FUNCTIONS distinct functions f_00000, f_00001, ... (compiled
     with this file as their co_filename), function i called 1 + i % 3 times,
     outside any window;
  3. audit: AUDIT distinct audit events "ev.0", "ev.1", ... once each, last
     (the kernel's audit map has 16384 entries).
Before them it raises "open", "os.rename" and "os.remove" once, so that no
event name first seen after the audit storm (the oracle's own file at
finish()) can be what overflows the audit map.

The oracle is python-fixtures/support/oracle.py (found through sys.path, as every workload finds it).

Usage: map_full.py [FUNCTIONS=2000] [AUDIT=0] [WINDOWS=60]
"""
import os
import sys

sys.path.append(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "support"))  # oracle.py
import oracle  # noqa: E402
oracle.install()

import tempfile  # noqa: E402

FUNCTIONS = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
AUDIT = int(sys.argv[2]) if len(sys.argv) > 2 else 0
WINDOWS = int(sys.argv[3]) if len(sys.argv) > 3 else 60

fd, scratch = tempfile.mkstemp(prefix="map_full-")
os.close(fd)
with open(scratch, "w"):
    pass
os.replace(scratch, scratch + ".moved")
os.remove(scratch + ".moved")

# 1. windows
depth = ["d%d" % k for k in range(1, 7)]
for name in depth:
    sys.audit("pybudget.begin", name)
sys.audit("map_full.deep")
for name in reversed(depth):
    sys.audit("pybudget.end", name)
for k in range(WINDOWS):
    with oracle.window("w%d" % k):
        sys.audit("map_full.window")

# 2. calls
source = "".join("def f_%05d():\n    return %d\n" % (i, i) for i in range(FUNCTIONS))
namespace = {}
exec(compile(source, os.path.abspath(__file__), "exec"), namespace)
functions = [namespace["f_%05d" % i] for i in range(FUNCTIONS)]
for i, f in enumerate(functions):
    for _ in range(1 + i % 3):
        f()

# 3. audit names
for i in range(AUDIT):
    sys.audit("ev.%d" % i)

oracle.finish()

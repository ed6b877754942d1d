"""fork_child: a workload that forks and spawns Pythons that work, with the oracle on.

Inside the window "spawn" the workload (the parent):
  1. forks: the child (a copy of this interpreter, probes' semaphores and all)
     imports csv, statistics and fractions, runs gc.collect() 5 times, raises
     "child.tick" 100 times and opens its own window "child"; it then prints
     "forked child PID ready", waits until the parent writes a line to the
     pipe CHILD_GO, and exits with os._exit(0);
  2. runs `sys.executable -c ...` through subprocess: that child imports
     json, decimal and email.message, collects 5 times, raises "child.tick"
     100 times and exits;
  3. does its own work: imports colorsys, runs gc.collect(1) twice and raises
     "parent.tick" 10 times.
None of the children's events may show in the parent's recording; the
parent's audit events "os.fork" and "subprocess.Popen" say that it had
children.  The parent waits for both children before it finishes.

With --hold=PATH the parent, once done, prints "parent done", keeps the
forked child alive, and waits until PATH exists before it tells the child to
exit and finishes (so that a test can look at both processes meanwhile).

The oracle is python-fixtures/support/oracle.py (found through sys.path, as every workload finds it).

Usage: fork_child.py [--hold=PATH]
"""
import os
import sys

sys.path.append(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "support"))  # oracle.py
import oracle  # noqa: E402
oracle.install()

import gc  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402

HOLD = [a[len("--hold="):] for a in sys.argv[1:] if a.startswith("--hold=")]
CHILD_WORK = (
    "import gc, sys\n"
    "sys.audit('pybudget.begin', 'child')\n"
    "import json, decimal, email.message\n"
    "for _ in range(5): gc.collect()\n"
    "for _ in range(100): sys.audit('child.tick')\n"
    "sys.audit('pybudget.end', 'child')\n"
)

gc.disable()
with oracle.window("spawn"):
    go_read, go_write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(go_write)
        sys.audit("pybudget.begin", "child")
        import csv  # noqa: F401
        import statistics  # noqa: F401
        import fractions  # noqa: F401
        for _ in range(5):
            gc.collect()
        for _ in range(100):
            sys.audit("child.tick")
        sys.audit("pybudget.end", "child")
        print("forked child %d ready" % os.getpid(), flush=True)
        os.read(go_read, 1)
        os._exit(0)
    os.close(go_read)
    done = subprocess.run([sys.executable, "-c", CHILD_WORK])
    assert done.returncode == 0, done
    import colorsys  # noqa: F401
    gc.collect(1)
    gc.collect(1)
    for _ in range(10):
        sys.audit("parent.tick")

if HOLD:
    print("parent done", flush=True)
    while not os.path.exists(HOLD[0]):
        time.sleep(0.02)
os.write(go_write, b"x")
_, status = os.waitpid(pid, 0)
assert status == 0, status
oracle.finish()

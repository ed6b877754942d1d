"""threads_imports: imports and collections on several threads at once, with the oracle on.

THREADS worker threads and the main thread start together (a barrier) and
each, inside its own window ("t-0", "t-1", ... and "main"), imports its own
MODULES freshly written modules (t0_mod_0, t0_mod_1, ...; each makes a few
hundred reference cycles, so automatic collections run on whichever thread
allocates at the time) and runs gc.collect(index % 3) after each import.
Every import and every collection belongs to the thread that ran it, and so
to that thread's window only.

Prints "thread NAME tid N" for each window (N = threading.get_native_id(),
the kernel's thread id).  The modules go into a fresh temporary folder,
removed at the end.  The oracle is python-fixtures/support/oracle.py.

Usage: threads_imports.py [THREADS=4] [MODULES=15]
"""
import os
import sys

sys.path.append(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "support"))  # oracle.py
import oracle  # noqa: E402
oracle.install()

import gc  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402

THREADS = int(sys.argv[1]) if len(sys.argv) > 1 else 4
MODULES = int(sys.argv[2]) if len(sys.argv) > 2 else 15
SOURCE = '''
garbage = []
for i in range(300):
    d = {"i": i}
    d["self"] = d
    garbage.append(d)
del garbage
'''

gc.set_threshold(700, 10, 10)
root = tempfile.mkdtemp(prefix="threads_imports-")
prefixes = ["t%d" % k for k in range(THREADS)] + ["main"]
for prefix in prefixes:
    for i in range(MODULES):
        with open(os.path.join(root, "%s_mod_%d.py" % (prefix, i)), "w") as f:
            f.write(SOURCE)
sys.path.insert(0, root)
start = threading.Barrier(THREADS + 1)
tids = {}


def work(name, prefix, index):
    tids[name] = threading.get_native_id()
    start.wait()
    with oracle.window(name):
        for i in range(MODULES):
            __import__("%s_mod_%d" % (prefix, i))
            gc.collect(index % 3)


workers = [threading.Thread(target=work, args=("t-%d" % k, "t%d" % k, k)) for k in range(THREADS)]
for w in workers:
    w.start()
work("main", "main", THREADS)
for w in workers:
    w.join()
for name in sorted(tids):
    print("thread %s tid %d" % (name, tids[name]))
shutil.rmtree(root)
oracle.finish()

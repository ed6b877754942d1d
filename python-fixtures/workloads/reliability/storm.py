"""storm: more stream events than a small ring buffer holds, with the oracle on.

Inside the window "storm": imports MODULES freshly written modules (each a
few classes with reference cycles), and around each import raises TICKS
audit events "storm.tick".  With the audit stream on and a ring buffer of a
page or two, most stream records are dropped: the kernel counts them
(lostEvents), and its exact counts (collections, audit events per name,
imports) still equal the oracle's.

The modules go into a fresh temporary folder, removed at the end.  The
oracle is python-fixtures/support/oracle.py (found through sys.path, as every workload finds it).

Usage: storm.py [MODULES=200] [TICKS=200]
"""
import os
import sys

sys.path.append(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "support"))  # oracle.py
import oracle  # noqa: E402
oracle.install()

import gc  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402

MODULES = int(sys.argv[1]) if len(sys.argv) > 1 else 200
TICKS = int(sys.argv[2]) if len(sys.argv) > 2 else 200
SOURCE = '''
class Node(object):
    def __init__(self, parent):
        self.parent = parent
        self.children = []
        if parent is not None:
            parent.children.append(self)

ROOT = Node(None)
for _ in range(50):
    Node(ROOT)
'''

gc.set_threshold(700, 10, 10)
root = tempfile.mkdtemp(prefix="storm-")
for i in range(MODULES):
    with open(os.path.join(root, "storm_mod_%d.py" % i), "w") as f:
        f.write(SOURCE)
sys.path.insert(0, root)

with oracle.window("storm"):
    for i in range(MODULES):
        for t in range(TICKS):
            sys.audit("storm.tick", t)
        __import__("storm_mod_%d" % i)
        sys.modules.pop("storm_mod_%d" % i)   # its cycles become garbage
    gc.collect()

shutil.rmtree(root)
oracle.finish()

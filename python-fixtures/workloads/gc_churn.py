"""gc_churn: reference cycles in a loop (gc__start / gc__done).

Builds small trees whose nodes point back at their parent, and dicts that
refer to themselves, so that only the cyclic collector can free them.  Some
trees are kept alive, so objects survive into the older generations and
gen0, gen1 and gen2 collections all happen.  One explicit gc.collect() runs
inside the window "work" and one outside it.

Usage: gc_churn.py [ROUNDS]   (default 400)
"""
import os, sys
sys.path.append(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))  # oracle.py
import oracle; oracle.install()

import gc
import sys

# Same thresholds on every CPython (3.13's default gen0 threshold is 2000).
gc.set_threshold(700, 10, 10)


class Node(object):
    __slots__ = ("parent", "children", "payload")

    def __init__(self, parent, payload):
        self.parent = parent          # child -> parent: a cycle
        self.children = []
        self.payload = payload


def build_tree(depth, fanout, parent=None, label=0):
    node = Node(parent, {"label": label, "tags": [label, depth]})
    if depth > 0:
        for i in range(fanout):
            node.children.append(build_tree(depth - 1, fanout, node, label * fanout + i))
    return node


def self_referencing_record(i):
    record = {"id": i, "history": []}
    record["self"] = record            # a dict that refers to itself
    record["history"].append(record)
    return record


def churn(rounds):
    kept = []
    for i in range(rounds):
        tree = build_tree(3, 4, label=i)   # 85 nodes, each with a list and a dict
        self_referencing_record(i)
        if i % 40 == 0:
            kept.append(tree)              # survives: promoted to gen1, gen2
    return kept


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 400
    gc.collect()                           # outside the window; resets the counters
    with oracle.window("work"):
        kept = churn(rounds)
        del kept
        freed = gc.collect()               # the explicit one inside the window
    print("gc_churn: rounds=%d freed=%d stats=%s" % (rounds, freed, [s["collections"] for s in gc.get_stats()]))
    oracle.finish()


main()

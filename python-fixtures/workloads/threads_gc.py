"""threads_gc: cycle churn on several threads, for per-thread attribution.

Each worker thread opens the window "churn" (the same name on every thread:
the counts add up) and, inside it, its own window "thread-N"; a collection
counts in the windows of the thread that ran it.  So sum over N of
"thread-N" == "churn" for every count.

By default the workers take turns: the main thread starts one, lets it go
and waits in join() until it has exited before starting the next; the
worker runs gc.collect() (outside its windows) to reset the generation
counters before it churns.  Nothing else allocates meanwhile, so every
"thread-N" window has the same, deterministic counts.  With --concurrent they churn at the
same time: realistic, but which thread triggers each automatic collection
(and so which window holds it, and how much it collects) varies between
runs; only the sum is stable.

Usage: threads_gc.py [ROUNDS] [--concurrent] [--threads=N]
       (defaults: 400 rounds, 4 threads)
"""
import os, sys
sys.path.append(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))  # oracle.py
import oracle; oracle.install()

import gc
import sys
import threading

gc.set_threshold(700, 10, 10)


class Session(object):
    def __init__(self, user, registry):
        self.user = user
        self.registry = registry      # session -> registry -> session: a cycle
        self.events = []
        registry[user] = self


def make_ring(size):
    first = node = {"n": 0}
    for i in range(1, size):
        nxt = {"n": i}
        node["next"] = nxt
        node = nxt
    node["next"] = first                # close the ring
    return first


def churn(index, rounds):
    registry = {}
    for r in range(rounds):
        session = Session("u%d-%d" % (index, r % 25), registry)
        session.events.append(make_ring(5))
        make_ring(20)                   # garbage at once: freed by the next gen0
        if r % 25 == 24:
            registry = {}               # drop the old registry (garbage, cyclic)
    return len(registry)


def run(index, rounds, go, turns):
    go.wait()
    if turns:                           # main is parked in join(): nothing else
        gc.collect()                    # allocates; reset the generation counters
    with oracle.window("churn"):
        with oracle.window("thread-%d" % index):
            churn(index, rounds)


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    rounds = int(args[0]) if args else 400
    concurrent = "--concurrent" in sys.argv
    nthreads = 4
    for a in sys.argv[1:]:
        if a.startswith("--threads="):
            nthreads = int(a.split("=", 1)[1])
    if concurrent:
        go = threading.Event()
        threads = [threading.Thread(target=run, args=(i, rounds, go, False), name="churn-%d" % i)
                   for i in range(nthreads)]
        for t in threads:
            t.start()
        go.set()
        for t in threads:
            t.join()
    else:
        for i in range(nthreads):
            go = threading.Event()
            t = threading.Thread(target=run, args=(i, rounds, go, True), name="churn-%d" % i)
            t.start()
            go.set()                    # then straight into join(): the thread
            t.join()                    # runs alone, and has exited when the next starts
    print("threads_gc: %d threads x %d rounds, %s, stats=%s"
          % (nthreads, rounds, "concurrent" if concurrent else "taking turns",
             [s["collections"] for s in gc.get_stats()]))
    oracle.finish()


main()

"""reused_names: functions whose names live where earlier, freed functions' names lived.

CPython's function__return passes pointers to the UTF-8 of co_filename and
co_name. The kernel side caches what it learnt per pointer pair, so this
fixture makes those pairs come back with other contents: each round compiles
a function with its own file name and function name (same lengths, so that
the allocator hands the freed blocks out again), calls it a number of times
that depends on the round, and drops it. Every count must still go to the
name the function really had.

Prints "reused_names: rounds=N reused=R": R rounds found both strings at
addresses an earlier round's strings had (id() is the str object's address,
and the UTF-8 CPython passes for an ASCII str is inside that object).

Usage: reused_names.py [ROUNDS]   (default 200)
"""
import os, sys
sys.path.append(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))  # oracle.py
import oracle; oracle.install()

import gc
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    seen = set()
    reused = 0
    with oracle.window("work"):
        for i in range(rounds):
            # Built at run time, not constants: constants would keep the strings alive in this code.
            file_name = os.path.join(HERE, "generated_%05d.py" % i)
            func_name = "generated_%05d" % i
            namespace = {}
            exec(compile("def %s():\n    return 1\n" % func_name, file_name, "exec"), namespace)
            function = namespace[func_name]
            code = function.__code__
            site = (id(code.co_filename), id(code.co_name))
            reused += site in seen
            seen.add(site)
            for _ in range(i % 7 + 1):
                function()
            del namespace, function, code, file_name, func_name
            gc.collect()
    print("reused_names: rounds=%d reused=%d" % (rounds, reused))
    oracle.finish()


main()

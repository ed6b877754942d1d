"""N distinct functions (f0 .. f{N-1}, one code object each), each called once inside the
window "work" and once more outside it; then marks "done" and sleeps a little so that the
benchmark can read the tool's memory while everything is still loaded.

Usage: many_functions.py [N=10000] [SLEEP_S=0.6]
"""
import sys
import time

from marks import mark, leave

n = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
pause = float(sys.argv[2]) if len(sys.argv) > 2 else 0.6
namespace = {}
exec(compile("".join("def f%d():\n    return %d\n" % (i, i) for i in range(n)), "generated_functions.py", "exec"),
     namespace)
functions = [namespace["f%d" % i] for i in range(n)]
sys.audit("pybudget.begin", "work")
for fn in functions:
    fn()
sys.audit("pybudget.end", "work")
for fn in functions:
    fn()
mark("calls", n)
mark("done")
time.sleep(pause)
leave()

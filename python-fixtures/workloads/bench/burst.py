"""A burst of N sys.audit("bench.burst") as fast as Python emits them, for the ring-buffer rows.

Usage: burst.py N
Prints "BENCH elapsed NANOS" and "BENCH events N".
"""
import sys

from marks import mark, now, leave

n = int(sys.argv[1])
audit = sys.audit
t = now()
for _ in range(n):
    audit("bench.burst")
mark("elapsed", now() - t)
mark("events", n)
leave()

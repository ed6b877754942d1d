"""Drives the lazy_import_service fixture: WARMUP requests untimed (the first one pays the
lazy import), then N GET /checkout, each on a new connection (as many clients do; and one
keep-alive connection would measure TCP's delayed ACK: http.server writes headers and body
in two sends, and Nagle holds the body ~40 ms), timed inside Python.

With SERVER_PID, it also reads the server's CPU time around the N requests: the process-wide
CPU clock of that pid (every thread, ended ones too, in nanoseconds: clock_gettime on the clock
clock_getcpuclockid(3) would give; needs the rights to trace that process). A probe runs on the
thread that hits it, so its cost is in there, and waiting for a CPU on a busy machine is not.

Usage: http_client.py PORT [N=1000] [WARMUP=20] [SERVER_PID]
Prints "BENCH elapsed NANOS", "BENCH requests N" and, with SERVER_PID, "BENCH server_cpu NANOS".
"""
import http.client
import sys
import time

from marks import mark, now

port = int(sys.argv[1])
n = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
warmup = int(sys.argv[3]) if len(sys.argv) > 3 else 20
server_pid = int(sys.argv[4]) if len(sys.argv) > 4 else 0
# Linux's MAKE_PROCESS_CPUCLOCK(pid, CPUCLOCK_SCHED): the whole process's CPU time, to the nanosecond.
server_clock = ((~server_pid) << 3) | 2


def server_cpu():
    return time.clock_gettime_ns(server_clock) if server_pid else 0


def get():
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/checkout?skus=SKU-0001,SKU-0042,SKU-1234", headers={"Connection": "close"})
    response = conn.getresponse()
    body = response.read()
    conn.close()
    if response.status != 200 or not body:
        raise SystemExit("bad response %d" % response.status)


for _ in range(warmup):
    get()
if n == 0:
    raise SystemExit(0)
c = server_cpu()
t = now()
for _ in range(n):
    get()
mark("elapsed", now() - t)
if server_pid:
    mark("server_cpu", server_cpu() - c)
mark("requests", n)

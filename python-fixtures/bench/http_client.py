"""Drives the lazy_import_service fixture: WARMUP requests untimed (the first one pays the
lazy import), then N GET /checkout, each on a new connection (as many clients do; and one
keep-alive connection would measure TCP's delayed ACK: http.server writes headers and body
in two sends, and Nagle holds the body ~40 ms), timed inside Python.

Usage: http_client.py PORT [N=1000] [WARMUP=20]
Prints "BENCH elapsed NANOS" and "BENCH requests N".
"""
import http.client
import sys

from marks import mark, now

port = int(sys.argv[1])
n = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
warmup = int(sys.argv[3]) if len(sys.argv) > 3 else 20


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
t = now()
for _ in range(n):
    get()
mark("elapsed", now() - t)
mark("requests", n)

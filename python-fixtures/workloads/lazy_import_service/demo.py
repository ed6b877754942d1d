"""demo: the lazy-import pause, reproduced in one process for `pybudget trace`.

Starts server.py's service on a free loopback port in a thread, sends two
GET /checkout requests, prints how long each took, and exits. Traced, the
report's window 'request' shows the first request's import tree (pricing,
decimal, email, ...); the second imports nothing.  With --warm the service
imports pricing at start-up (the fix) and no request imports anything.
"""
import sys
import threading
import time
import urllib.request
from http.server import ThreadingHTTPServer

import server


def main():
    if "--warm" in sys.argv[1:]:
        import pricing  # noqa: F401  the fix: pay the import at start-up
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), server.Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    url = "http://127.0.0.1:%d/checkout" % httpd.server_address[1]
    for n in ("first", "second"):
        start = time.perf_counter()
        with urllib.request.urlopen(url) as response:
            response.read()
        print("%s request: %.1f ms" % (n, (time.perf_counter() - start) * 1e3), flush=True)
    httpd.shutdown()
    httpd.server_close()


if __name__ == "__main__":
    main()

"""budget_service: an HTTP service whose every request does what its query asks,
so that a test can make one request break one budget on purpose.

Each GET is marked as the window "request" (sys.audit("pybudget.begin"/"pybudget.end",
"request") on the handler's thread). Query parameters, all optional, done in this order:

  sleep=S         sleep S seconds first (a request a test can leave unfinished)
  gc=G&n=N        N collections of generation G (gc.collect(G))
  imp=MODULE      import MODULE (the first time it is imported, the import shows; through
                  __import__, as an import statement does: importlib.import_module() takes
                  a Python-level path that neither the import probe nor the audit hook sees)
  calls=N         N calls of parse() in this file
  connect=1       open a TCP connection to this server itself (socket.connect)
  stat=N          N os.stat() calls on this file (N newfstatat syscalls on x86_64 glibc)
  touch=MIB       touch every page of a fresh anonymous mmap of MIB MiB (minor page faults)

Usage: server.py PORT      prints "listening on PORT" when ready; GET /health answers 200.
"""
import gc
import mmap
import os
import socket
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


def parse(text):
    return text.split("=")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        url = urlparse(self.path)
        if url.path == "/health":
            return self._send(b"ok\n")
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        sys.audit("pybudget.begin", "request")
        try:
            if "sleep" in query:
                time.sleep(float(query["sleep"]))
            if "gc" in query:
                for _ in range(int(query.get("n", "1"))):
                    gc.collect(int(query["gc"]))
            if "imp" in query:
                __import__(query["imp"])  # the import statement's path: importlib.import_module() bypasses the probe
            for _ in range(int(query.get("calls", "0"))):
                parse("key=value")
            if query.get("connect") == "1":
                with socket.create_connection(("127.0.0.1", self.server.server_address[1])):
                    pass
            for _ in range(int(query.get("stat", "0"))):
                os.stat(__file__)
            if "touch" in query:
                m = mmap.mmap(-1, int(query["touch"]) << 20)
                for offset in range(0, len(m), mmap.PAGESIZE):
                    m[offset] = 1
                m.close()
        finally:
            sys.audit("pybudget.end", "request")
        self._send(b"done\n")

    def _send(self, body):
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        pass


def main():
    gc.disable()  # collections happen when a request asks for them, so counts are exact
    server = ThreadingHTTPServer(("0.0.0.0", int(sys.argv[1])), Handler)
    server.daemon_threads = True
    print("listening on %d" % server.server_address[1], flush=True)
    server.serve_forever(poll_interval=0.2)


if __name__ == "__main__":
    main()

"""service: a small HTTP service for the load tests (no oracle).

GET /work does a request's worth of work inside the window "request", on
the handler's thread: the first request imports colorsys and fractions (a
lazy import), every request raises "service.work" and builds 200 reference
cycles.  GET /health answers with no work.  Listens on 0.0.0.0:PORT
(default 8000), prints "listening on PORT", stops on SIGTERM.

Headers and body leave in one write with Nagle's algorithm off: otherwise
the body waits for the client's delayed ACK of the headers (40 ms per
request on Linux), and the load tests would measure that.

Usage: service.py [PORT]
"""
import signal
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def work():
    import colorsys  # noqa: F401  lazy: the first request pays for it
    import fractions  # noqa: F401
    sys.audit("service.work")
    garbage = []
    for i in range(200):
        d = {"i": i}
        d["self"] = d
        garbage.append(d)
    return b"done\n"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def do_GET(self):
        if self.path == "/work":
            sys.audit("pybudget.begin", "request")
            try:
                self._send(200, work())
            finally:
                sys.audit("pybudget.end", "request")
        elif self.path == "/health":
            self._send(200, b"ok\n")
        else:
            self._send(404, b"not found\n")

    def _send(self, status, body):
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self._headers_buffer.append(b"\r\n" + body)   # end_headers and body in one write
        self.flush_headers()

    def log_message(self, format, *args):
        pass


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8000
    server = ThreadingHTTPServer(("0.0.0.0", port), Handler)
    server.daemon_threads = True

    def stop(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    print("listening on %d" % server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    server.server_close()


main()

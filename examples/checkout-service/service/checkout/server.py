"""checkout: a small HTTP service (stdlib http.server) that a team tests with pybudget.

GET /checkout?items=N  prices a cart of N items. The pricing module is imported
                       lazily, so the first request pays for decimal, json, ... .
GET /health            200, no work.

Each /checkout is the window "request": sys.audit("pybudget.begin"/"pybudget.end",
"request") around it, on the handler's thread. No library is needed for that:
in production the two audit events cost next to nothing.

Usage: python3 -m checkout.server [PORT]   (default 8000, listens on 0.0.0.0)
"""
import signal
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def checkout(items):
    from checkout import pricing  # lazy: the first request imports it
    return pricing.quote(items)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        path, _, query = self.path.partition("?")
        if path == "/health":
            self.send_body(200, b"ok\n")
        elif path == "/checkout":
            sys.audit("pybudget.begin", "request")
            try:
                items = int(query[len("items="):]) if query.startswith("items=") else 3
                self.send_body(200, checkout(items).encode() + b"\n")
            finally:
                sys.audit("pybudget.end", "request")
        else:
            self.send_body(404, b"not found\n")

    def send_body(self, status, body):
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        pass


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8000
    server = ThreadingHTTPServer(("0.0.0.0", port), Handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print("listening on %d" % port, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()

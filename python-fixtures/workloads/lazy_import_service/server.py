"""lazy_import_service: an HTTP service whose first request pays an import.

GET /checkout prices a cart with the pricing module, which the handler
imports lazily: the first request imports decimal, json, email, xml.etree,
statistics, csv, ... and builds a catalog (a pause of some tens of ms);
later requests import nothing.  Each /checkout is marked as the window
"request" with sys.audit("pybudget.begin"/"pybudget.end", "request"), on the
handler's thread.  GET /health answers 200 with no work and no window.

The fix: start with --warm (or WARM_UP=1) to import pricing at start-up,
before "listening on PORT" is printed; then no request imports anything.

Usage: server.py [PORT] [--warm]   (PORT also from $PORT; default 8000;
       0 picks a free port, printed in the "listening on" line)
Listens on 0.0.0.0.  Stops on SIGTERM or SIGINT.
"""
import json
import os
import signal
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def checkout(query):
    import pricing  # lazy: the first /checkout pays for the whole import
    skus = [s for s in query.split(",") if s] or ["SKU-0001", "SKU-0042", "SKU-1234"]
    q = pricing.quote(skus)
    pricing.receipt(q)
    return q


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        path, _, query = self.path.partition("?")
        if path == "/health":
            self._send(200, b"ok\n", "text/plain")
        elif path == "/checkout":
            sys.audit("pybudget.begin", "request")
            try:
                skus = query[5:] if query.startswith("skus=") else ""
                try:
                    body = json.dumps(checkout(skus), sort_keys=True).encode() + b"\n"
                    status = 200
                except KeyError as e:
                    body = json.dumps({"error": "unknown sku %s" % e}).encode() + b"\n"
                    status = 404
                self._send(status, body, "application/json")
            finally:
                sys.audit("pybudget.end", "request")
        else:
            self._send(404, b"not found\n", "text/plain")

    def _send(self, status, body, ctype):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        pass  # no line per request on stderr


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    port = int(args[0]) if args else int(os.environ.get("PORT", "8000"))
    warm = "--warm" in sys.argv[1:] or os.environ.get("WARM_UP", "") not in ("", "0")
    if warm:
        import pricing  # noqa: F401  the documented fix: pay the import at start-up
    server = ThreadingHTTPServer(("0.0.0.0", port), Handler)
    server.daemon_threads = True

    def stop(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    print("listening on %d" % server.server_address[1], flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()

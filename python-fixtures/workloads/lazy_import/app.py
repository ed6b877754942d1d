"""lazy_import: a heavy import paid on the first call (import__find__load__*).

make_report() imports report (decimal, json, csv, statistics, email.mime.text,
xml.dom.minidom, ...) inside the function, on first use.  It is called twice,
each time in its own window: "first" holds every import, "second" none.

Usage: app.py [ROWS]   (default 50)
"""
import os, sys
sys.path.append(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "support"))  # oracle.py
import oracle; oracle.install()

import sys


def make_report(rows):
    import report  # lazy: the first call imports the whole reporting stack
    return report.render(rows)


def orders(n):
    return [{"id": i, "customer": "c%03d" % (i % 17), "amount": "%d.%02d" % (10 + i % 90, (i * 37) % 100)}
            for i in range(n)]


def main():
    rows = orders(int(sys.argv[1]) if len(sys.argv) > 1 else 50)
    with oracle.window("first"):
        first = make_report(rows)
    with oracle.window("second"):
        second = make_report(rows)
    assert first == second
    print("lazy_import: %d rows, report of %d characters" % (len(rows), len(first)))
    oracle.finish()


main()

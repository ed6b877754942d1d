"""crash: ends badly on purpose, for the fault tests (no oracle).

Does a little work first (imports, a few collections, the window "work"
opened and never closed), then, by MODE:
  exception  an uncaught RuntimeError (traceback, exit status 1; the
             interpreter finalises normally)
  exit3      os._exit(3) (no finalisation)
  segv       ctypes.string_at(0): killed by SIGSEGV (a shell says 139)
  hang       prints "hanging" and sleeps forever (until killed)

Usage: crash.py MODE
"""
import gc
import os
import sys
import time

MODES = ("exception", "exit3", "segv", "hang")


def warm_up():
    import json
    import decimal  # noqa: F401
    garbage = []
    for i in range(2000):
        d = {"i": i}
        d["self"] = d
        garbage.append(d)
    del garbage
    gc.collect()
    return json.dumps({"ok": True})


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else ""
    if mode not in MODES:
        sys.stderr.write("usage: crash.py %s\n" % "|".join(MODES))
        sys.exit(2)
    sys.audit("pybudget.begin", "work")     # never closed
    warm_up()
    print("crash: %s" % mode, flush=True)
    if mode == "exception":
        raise RuntimeError("crash.py: deliberate uncaught exception")
    if mode == "exit3":
        os._exit(3)
    if mode == "segv":
        import ctypes
        ctypes.string_at(0)
    if mode == "hang":
        print("hanging", flush=True)
        while True:
            time.sleep(3600)


main()

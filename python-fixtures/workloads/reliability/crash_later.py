"""crash_later: works, then crashes when told to (SIGUSR1), for faults during a test.

Like crash.py, but the crash waits for a signal, so that a test can start
the workload, record a while, and have it die in the middle: opens the window
"work" (never closed), imports json and decimal, collects once, prints
"ready", then sleeps until SIGUSR1 and ends by MODE:
  segv       ctypes.string_at(0): killed by SIGSEGV (exit status 139)
  exit3      os._exit(3)
  exception  an uncaught RuntimeError (exit status 1)

Usage: crash_later.py MODE
"""
import gc
import os
import signal
import sys
import threading

MODES = ("segv", "exit3", "exception")
mode = sys.argv[1] if len(sys.argv) > 1 else ""
if mode not in MODES:
    sys.stderr.write("usage: crash_later.py %s\n" % "|".join(MODES))
    sys.exit(2)

told = threading.Event()
signal.signal(signal.SIGUSR1, lambda signum, frame: told.set())

sys.audit("pybudget.begin", "work")
import json  # noqa: E402
import decimal  # noqa: E402,F401
garbage = []
for i in range(2000):
    d = {"i": i}
    d["self"] = d
    garbage.append(d)
del garbage
gc.collect()
print("ready", json.dumps(os.getpid()), flush=True)
while not told.wait(0.05):
    pass
print("crashing: %s" % mode, flush=True)
if mode == "segv":
    import ctypes
    ctypes.string_at(0)
if mode == "exit3":
    os._exit(3)
raise RuntimeError("crash_later.py: deliberate uncaught exception")

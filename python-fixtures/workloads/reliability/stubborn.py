"""stubborn: ignores SIGTERM and never exits, for the stop-escalation test.

Opens the window "work", imports json, collects once, prints "stubborn"
and sleeps forever with SIGTERM ignored: only SIGKILL ends it.
"""
import gc
import signal
import sys
import time

signal.signal(signal.SIGTERM, signal.SIG_IGN)
sys.audit("pybudget.begin", "work")
import json  # noqa: E402,F401
gc.collect()
print("stubborn", flush=True)
while True:
    time.sleep(3600)

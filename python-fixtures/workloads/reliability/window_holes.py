"""window_holes: each way a window's or a collection's bookkeeping can go wrong, one per case.

Usage: window_holes.py CASE. Each case prints one JSON line of facts the test
compares with the recording (Python's own view: thread ids, clocks).

  threads_end_inside N  N threads each open the window "dead" and exit inside
                        it; then main opens "req" around `import colorsys`.
  threads_full N        N threads each open "held" and wait inside it; then main
                        opens "req" around `import colorsys`; then they end.
  cross_thread_end      "req" opened on main; a worker imports colorsys and
                        ends "req"; then main imports shlex and collects (gen 2).
  unended_gc            one collection; then one whose finaliser sleeps 300 ms and
                        calls os._exit(0) inside the collection.
  stuck_gc              a collection whose finaliser sleeps 60 s: the harness stops
                        the workload at its timeout inside the collection.
  tid_reuse             a thread opens "stale" and exits inside it; a later thread
                        given the same thread id (ns_last_pid) imports colorsys.
  strenum_end           "req" opened with a str, ended with an equal StrEnum
                        member; colorsys inside, shlex after.
  bad_names             begin/end with bytes and with a float; then "ok" around
                        `import colorsys`.
  timed_pauses          collections whose finalisers sleep 20, 40 and 80 ms, each
                        in the window "pause-MS" and timed with
                        time.perf_counter_ns from gc.callbacks.
"""
import gc
import json
import os
import sys
import threading
import time


def begin(name):
    sys.audit("pybudget.begin", name)


def end(name):
    sys.audit("pybudget.end", name)


def say(**facts):
    print(json.dumps(facts), flush=True)


def threads_end_inside(n):
    def worker():
        begin("dead")
    for _ in range(n):
        t = threading.Thread(target=worker)
        t.start()
        t.join()
    begin("req")
    import colorsys  # noqa: F401
    end("req")
    say(threads=n)


def threads_full(n):
    threading.stack_size(64 * 1024)
    opened = threading.Semaphore(0)
    release = threading.Event()

    def worker():
        begin("held")
        opened.release()
        release.wait()
        end("held")
    workers = [threading.Thread(target=worker) for _ in range(n)]
    for t in workers:
        t.start()
    for _ in range(n):
        opened.acquire()
    begin("req")
    import colorsys  # noqa: F401
    end("req")
    release.set()
    for t in workers:
        t.join()
    say(threads=n)


def cross_thread_end():
    gc.disable()
    begin("req")

    def worker():
        import colorsys  # noqa: F401
        end("req")
    t = threading.Thread(target=worker)
    t.start()
    t.join()
    import shlex  # noqa: F401
    gc.collect()
    say(main=threading.get_native_id())


class Slow:
    """In a reference cycle: only the collector frees it, and its finaliser runs inside the collection."""

    def __init__(self, sleep_s, then_exit=False):
        self.me = self
        self.sleep_s = sleep_s
        self.then_exit = then_exit

    def __del__(self):
        time.sleep(self.sleep_s)
        if self.then_exit:
            sys.stdout.flush()
            os._exit(0)


def unended_gc():
    gc.disable()
    gc.collect()
    say(collections_before_exit=1)
    Slow(0.3, then_exit=True)
    gc.collect()


def stuck_gc():
    gc.disable()
    Slow(60)
    say(collecting=True)
    gc.collect()


def tid_reuse():
    stale = {}

    def opener():
        stale["tid"] = threading.get_native_id()
        begin("stale")

    t = threading.Thread(target=opener)
    t.start()
    t.join()
    reused = {}

    def importer():
        reused["tid"] = threading.get_native_id()
        if reused["tid"] == stale["tid"]:
            import colorsys  # noqa: F401

    # Other processes take thread ids too: try until one lands on the dead thread's id.
    for attempt in range(200):
        with open("/proc/sys/kernel/ns_last_pid", "w") as f:
            f.write(str(stale["tid"] - 1))
        t = threading.Thread(target=importer)
        t.start()
        t.join()
        if reused["tid"] == stale["tid"]:
            break
    say(stale=stale["tid"], reused=reused["tid"], attempts=attempt + 1)


def strenum_end():
    import enum

    class Window(enum.StrEnum):
        REQ = "req"

    begin("req")
    import colorsys  # noqa: F401
    end(Window.REQ)
    import shlex  # noqa: F401
    say(member_is_str=isinstance(Window.REQ, str))


def bad_names():
    begin(b"req")
    end(b"req")
    begin(1.5)
    end(1.5)
    begin("ok")
    import colorsys  # noqa: F401
    end("ok")
    say(done=True)


def timed_pauses():
    gc.disable()
    gc.collect()
    times = []
    started = []

    def timer(phase, info):
        if phase == "start":
            started.append(time.perf_counter_ns())
        else:
            times.append(time.perf_counter_ns() - started.pop())
    gc.callbacks.append(timer)
    for ms in (20, 40, 80):
        Slow(ms / 1000)
        begin("pause-%d" % ms)
        gc.collect()
        end("pause-%d" % ms)
    gc.callbacks.remove(timer)
    say(callbackNanos=times)


CASES = {
    "threads_end_inside": lambda: threads_end_inside(int(sys.argv[2])),
    "threads_full": lambda: threads_full(int(sys.argv[2])),
    "cross_thread_end": cross_thread_end,
    "unended_gc": unended_gc,
    "stuck_gc": stuck_gc,
    "tid_reuse": tid_reuse,
    "strenum_end": strenum_end,
    "bad_names": bad_names,
    "timed_pauses": timed_pauses,
}

CASES[sys.argv[1]]()

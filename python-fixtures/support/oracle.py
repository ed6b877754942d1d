"""In-process oracle for pybudget fixtures (stdlib only, CPython 3.11 and 3.13).

A fixture starts with ``import oracle; oracle.install()`` and ends with
``oracle.finish()``.  With PYBUDGET_ORACLE unset, install() does nothing,
``window(name)`` only writes the two sys.audit marks and finish() flushes
stdout/stderr and calls os._exit.  With PYBUDGET_ORACLE=/some/file.json the
oracle counts, from install() to finish(), what the kernel side counts with
the USDT probes, and finish() writes the counts there as JSON.

What is counted, and by which in-process hook (the USDT probe it pairs with):
  gc.callbacks       "start" per generation; "stop": collected   (gc__start; gc__done
                     and uncollectable                           = collected + uncollectable)
  sys.addaudithook   every audit event by name                   (audit)
  sys.setprofile +   "return" events of code in the fixture's    (function__return)
  threading.setprofile  folder, keyed "file:function"
  audit "import"     args[0], as a set                           (import__find__load__start)
  gc.get_stats()     at finish(): the whole run ("gcStats")      (gc__start since exec)

Calls are counted on the profile "return" event, not "call": the kernel
counts function__return, which fires when a frame returns, yields or
unwinds, exactly when the profile "return" event does.  Over a whole run the
two give the same numbers except for frames that never return (main() that
calls finish()); inside windows only "return" agrees with the kernel for a
function that writes a mark (a helper calling sys.audit("pybudget.begin")
returns inside the window it opened).  "calls" is keyed by
os.path.abspath(co_filename), "rawCalls" by co_filename as the probe reports
it.  Fixture code = files under the directory of the __main__ script, except
any oracle.py, code whose file name starts with "<", and the __main__
script's "<module>".

Windows: sys.audit("pybudget.begin", name) opens the window ``name`` on the
calling thread, sys.audit("pybudget.end", name) closes it.  As a rule the
kernel side can follow: keep an open depth per (thread, name);
  begin: depth += 1, then count the begin event
  end:   count the end event, then depth -= 1 (an end at depth 0 is counted
         where it happened and closes nothing)
  every event (gc start/done, audit, return, import) counts once in each
  window whose depth on the event's thread is > 0, and in the totals.
So the begin event is inside the window it opens, the end event inside the
window it closes; nested windows each get the event; a name nested in
itself counts the event once; a name opened again, or on several threads,
adds up ("opened" says how often).  Only str names make windows.  While the
hook updates the stack it keeps automatic collection off, so no collection
falls between the probe (which fires before the hooks) and the update.

The oracle must not produce the events it counts: the profile hook reads the
code's file and name from repr(frame), because frame.f_code raises the audit
event "object.__getattr__"; the hooks only update dicts, lists and sets;
nothing is imported after install() (the JSON is written by hand).  What the
kernel still sees of the oracle: returns of oracle.py's own functions (the
hooks run Python code: exclude oracle.py when comparing calls), the audit
events "sys.setprofile" (counted: raised after the hook is in), and, after
finish() stopped counting, "sys.setprofile", "open" and "os.rename" for the
JSON file.  Totals run from install() to finish(); the kernel also sees the
interpreter's start-up before install(), so compare windows, gcStats, calls
and import sets, not whole-run audit counts.

JSON (keys sorted, ints only): python, pid, gcStats{collections[3],
collected, uncollectable}, gc{...same, since install}, audit{event: n},
calls{ABSPATH:func: n}, rawCalls{co_filename:func: n}, imports[sorted],
openAtFinish[names], windows{name: {gc, audit, calls, rawCalls, imports,
opened}}.

There is one copy of this file: a workload appends python-fixtures/support to
sys.path, relative to its own file, before ``import oracle`` (in a container,
where the workload's folder is /workload, that is /support: copy it there).
"""

import gc
import os
import sys
import threading

_get_ident = threading.get_ident

# A fixture module's first import would otherwise write its .pyc (audit
# events "marshal.dumps", "open", "os.rename") and later runs would read it
# ("marshal.loads" instead of "compile"): counts would depend on the run
# before.  Set on import, with or without PYBUDGET_ORACLE, so that every run
# compiles the fixture's own modules from source (as PYTHONDONTWRITEBYTECODE=1).
sys.dont_write_bytecode = True

_ENV = "PYBUDGET_ORACLE"
_path = None          # output file, set by install() when PYBUDGET_ORACLE is set
_installed = False
_stopped = False
_fixture_dir = None   # absolute directory of the __main__ script, with trailing sep
_main_raw = None      # raw co_filename of the __main__ script
_main_abs = None


class _Counts(object):
    """Counts of one window (or of the whole run) on one thread."""

    __slots__ = ("gc", "collected", "uncollectable", "audit", "calls", "raw",
                 "imports", "opened")

    def __init__(self):
        self.gc = [0, 0, 0]
        self.collected = 0
        self.uncollectable = 0
        self.audit = {}
        self.calls = {}
        self.raw = {}
        self.imports = set()
        self.opened = 0


class _Thread(object):
    """State of one thread: its totals, its windows, its stack of open ones."""

    __slots__ = ("total", "windows", "stack", "active")

    def __init__(self):
        self.total = _Counts()
        self.windows = {}          # name -> _Counts
        self.stack = []            # [(name, _Counts)], innermost last
        self.active = (self.total,)  # totals + distinct open windows


# Thread ident -> _Thread.  Each thread only ever updates its own entry, so no
# lock is needed (and a hook cannot be interrupted by another thread's update
# of the same counter).  A reused ident just continues the old counts.
_threads = {}


def _state():
    # setdefault: a collection run by the allocations below calls back in
    # here; whichever _Thread is stored first is the one kept.
    return _threads.setdefault(_get_ident(), _Thread())


def _recompute(st):
    active = [st.total]
    for _name, w in st.stack:
        if w not in active:
            active.append(w)
    st.active = tuple(active)


# --------------------------------------------------------------------- hooks

def _audit_hook(event, args):
    if _stopped:
        return
    if event == "pybudget.begin" or event == "pybudget.end":
        # The probe has already fired: for the kernel the window is open (or
        # closed) from that instant.  Pushing and popping allocates, and an
        # allocation can run a collection in the middle of this hook: keep
        # automatic collection off until the stack is updated, so that no
        # collection falls between the probe and the push (or pop).
        _hold_gc()
        try:
            _mark(event, args)
        finally:
            _release_gc()
        return
    st = _threads.get(_get_ident())
    if st is None:
        st = _state()
    for c in st.active:
        d = c.audit
        d[event] = d.get(event, 0) + 1
    if event == "import" and args:
        mod = args[0]
        for c in st.active:
            c.imports.add(mod)


# Automatic collection is one switch for all threads, and a thread can be
# switched out in the middle of its mark: held by a count, so that the first
# mark to end does not turn collection back on under another thread's mark (a
# collection then fell between that thread's begin probe and its push, counted
# in its window by the kernel and not here).  acquire() and release(), not
# `with`, which allocates (and changed what the first collection freed).
_gc_hold_lock = threading.Lock()
_gc_holds = 0
_gc_was_enabled = False


def _hold_gc():
    global _gc_holds, _gc_was_enabled
    _gc_hold_lock.acquire()
    if _gc_holds == 0:
        _gc_was_enabled = gc.isenabled()
        if _gc_was_enabled:
            gc.disable()
    _gc_holds += 1
    _gc_hold_lock.release()


def _release_gc():
    global _gc_holds
    _gc_hold_lock.acquire()
    _gc_holds -= 1
    if _gc_holds == 0 and _gc_was_enabled:
        gc.enable()
    _gc_hold_lock.release()


def _mark(event, args):
    st = _threads.get(_get_ident())
    if st is None:
        st = _state()
    name = args[0] if args and type(args[0]) is str else None
    if event == "pybudget.begin" and name is not None:
        w = st.windows.get(name)
        if w is None:
            w = st.windows[name] = _Counts()
        w.opened += 1
        st.stack.append((name, w))          # push, then count
        _recompute(st)
    for c in st.active:
        d = c.audit
        d[event] = d.get(event, 0) + 1
    if event == "pybudget.end" and name is not None:
        stack = st.stack                    # count, then pop
        i = len(stack) - 1
        while i >= 0:
            if stack[i][0] == name:
                del stack[i]
                _recompute(st)
                break
            i -= 1


def _gc_callback(phase, info):
    if _stopped:
        return
    st = _threads.get(_get_ident())
    if st is None:
        st = _state()
    if phase == "start":
        gen = info["generation"]
        for c in st.active:
            c.gc[gen] += 1
    else:
        collected = info["collected"]
        uncollectable = info["uncollectable"]
        for c in st.active:
            c.collected += collected
            c.uncollectable += uncollectable


# repr(frame) tail ", file '...', line N, code NAME>" -> (abs key, raw key) or
# None when the code is not fixture code.
_frame_keys = {}


def _classify(tail):
    # tail: ", file '/x/y.py', line 12, code name>"
    c = tail.rindex(", code ")
    name = tail[c + 7:-1]
    quoted = tail[7:tail.rindex(", line ", 0, c)]
    if "\\" in quoted:
        # repr() escaped something (unusual file name): undo it.
        raw = quoted[1:-1].encode("latin-1", "backslashreplace").decode("unicode_escape")
    else:
        raw = quoted[1:-1]
    keys = None
    if raw and not raw.startswith("<"):
        absf = os.path.abspath(raw)
        if (absf.startswith(_fixture_dir)
                and os.path.basename(absf) != "oracle.py"
                and not (name == "<module>" and (raw == _main_raw or absf == _main_abs))):
            keys = (absf + ":" + name, raw + ":" + name)
    _frame_keys[tail] = keys
    return keys


def _profile(frame, event, arg):
    # "return", not "call": the kernel counts function__return, which fires
    # when the frame returns, yields or unwinds, and so does this event.
    # Counting at the same instant puts a call that straddles a window mark
    # (a helper that writes the mark) on the same side as the kernel does.
    if event != "return" or _stopped:
        return
    r = repr(frame)
    tail = r[r.index(", file "):]
    keys = _frame_keys.get(tail, 0)
    if keys == 0:
        keys = _classify(tail)
    if keys is None:
        return
    st = _threads.get(_get_ident())
    if st is None:
        st = _state()
    ak, rk = keys
    for c in st.active:
        d = c.calls
        d[ak] = d.get(ak, 0) + 1
        d = c.raw
        d[rk] = d.get(rk, 0) + 1


# ----------------------------------------------------------------------- API

def install():
    """Start counting if PYBUDGET_ORACLE is set; otherwise do nothing."""
    global _path, _installed, _fixture_dir, _main_raw, _main_abs
    path = os.environ.get(_ENV)
    if not path or _installed:
        return
    _path = os.path.abspath(path)
    main = sys.modules.get("__main__")
    mainfile = getattr(main, "__file__", None)
    if mainfile:
        _main_raw = mainfile
        _main_abs = os.path.abspath(mainfile)
        _fixture_dir = os.path.dirname(_main_abs)
    else:
        _fixture_dir = os.getcwd()
    if not _fixture_dir.endswith(os.sep):
        _fixture_dir += os.sep
    _state()
    _installed = True
    gc.callbacks.append(_gc_callback)
    sys.addaudithook(_audit_hook)
    threading.setprofile(_profile)
    sys.setprofile(_profile)   # raises audit "sys.setprofile": counted


class window(object):
    """``with oracle.window(name):`` marks a window with two sys.audit events."""

    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name

    def __enter__(self):
        sys.audit("pybudget.begin", self.name)
        return self

    def __exit__(self, exc_type, exc, tb):
        sys.audit("pybudget.end", self.name)
        return False


def finish(exit_code=0):
    """Stop counting, write the JSON (if installed), flush, os._exit(exit_code).

    gc is disabled first (with or without the oracle), so no collection runs
    between here and the exit: gc.get_stats() is then the whole run, as the
    kernel saw it.  os._exit skips interpreter finalisation (and its final
    collection, which gc.callbacks never sees)."""
    global _stopped
    gc.disable()
    if _installed and not _stopped:
        _stopped = True
        try:
            gc.callbacks.remove(_gc_callback)
        except ValueError:
            pass
        sys.setprofile(None)
        threading.setprofile(None)
        stats = gc.get_stats()
        try:
            _write(_path, _snapshot(stats))
        except Exception as e:  # the fixture still exits with its own code
            try:
                sys.stderr.write("oracle: cannot write %s: %s\n" % (_path, e))
            except Exception:
                pass
    for f in (sys.stdout, sys.stderr):
        try:
            if f is not None:
                f.flush()
        except Exception:
            pass
    os._exit(exit_code)


# ------------------------------------------------------------------- output

def _merge(into, c):
    for g in range(3):
        into.gc[g] += c.gc[g]
    into.collected += c.collected
    into.uncollectable += c.uncollectable
    into.opened += c.opened
    for src, dst in ((c.audit, into.audit), (c.calls, into.calls), (c.raw, into.raw)):
        for k, v in src.items():
            dst[k] = dst.get(k, 0) + v
    into.imports |= c.imports


def _section(c, window=False):
    d = {
        "gc": {"collections": list(c.gc), "collected": c.collected,
               "uncollectable": c.uncollectable},
        "audit": dict(c.audit),
        "calls": dict(c.calls),
        "rawCalls": dict(c.raw),
        "imports": sorted(c.imports),
    }
    if window:
        d["opened"] = c.opened
    return d


def _snapshot(stats):
    total = _Counts()
    windows = {}
    still_open = set()
    for st in list(_threads.values()):
        _merge(total, st.total)
        for name, w in st.windows.items():
            m = windows.get(name)
            if m is None:
                m = windows[name] = _Counts()
            _merge(m, w)
        for name, _w in st.stack:
            still_open.add(name)
    out = _section(total)
    out["python"] = "%d.%d.%d" % tuple(sys.version_info[:3])
    out["pid"] = os.getpid()
    out["gcStats"] = {
        "collections": [s["collections"] for s in stats],
        "collected": sum(s["collected"] for s in stats),
        "uncollectable": sum(s["uncollectable"] for s in stats),
    }
    out["windows"] = dict((n, _section(w, True)) for n, w in windows.items())
    out["openAtFinish"] = sorted(still_open)
    return out


def _q(s):
    if s.isascii() and s.isprintable() and '"' not in s and "\\" not in s:
        return '"' + s + '"'
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch == '"' or ch == "\\":
            out.append("\\" + ch)
        elif 0x20 <= o < 0x7f:
            out.append(ch)
        elif o < 0x10000:
            out.append("\\u%04x" % o)
        else:
            o -= 0x10000
            out.append("\\u%04x\\u%04x" % (0xD800 + (o >> 10), 0xDC00 + (o & 0x3FF)))
    out.append('"')
    return "".join(out)


def _encode(o, out, indent):
    if isinstance(o, dict):
        if not o:
            out.append("{}")
            return
        pad = "\n" + " " * (indent + 1)
        out.append("{")
        first = True
        for k in sorted(o):
            if not first:
                out.append(",")
            first = False
            out.append(pad)
            out.append(_q(str(k)))
            out.append(": ")
            _encode(o[k], out, indent + 1)
        out.append("\n" + " " * indent + "}")
    elif isinstance(o, (list, tuple)):
        out.append("[")
        out.append(", ".join(_q(x) if isinstance(x, str) else str(int(x)) for x in o))
        out.append("]")
    elif isinstance(o, bool):
        out.append("true" if o else "false")
    elif isinstance(o, int):
        out.append(str(int(o)))
    elif o is None:
        out.append("null")
    else:
        out.append(_q(str(o)))


def dumps(obj):
    """JSON text of obj (dicts with sorted keys, lists of str/int, ints)."""
    out = []
    _encode(obj, out, 0)
    out.append("\n")
    return "".join(out)


def _write(path, obj):
    text = dumps(obj)
    tmp = "%s.tmp.%d" % (path, os.getpid())
    with open(tmp, "w", encoding="ascii") as f:
        f.write(text)
    os.replace(tmp, path)

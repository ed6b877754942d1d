# pybudget's in-process call counter. The engine writes this file as sitecustomize.py into a
# directory of its own and puts that directory first on PYTHONPATH, so that site imports it before
# the workload's first line (python -E, -I and -S skip it: the engine then says calls were not
# counted). It sets itself up, puts the environment and sys.path back as they were, forgets itself
# (sys.modules) and imports the image's own sitecustomize, if there is one.
#
# What it counts, and when: a call of a function whose co_filename:co_name matches the pattern, at
# the instant the kernel's function__return probe would: when the frame returns, yields or unwinds.
#   3.12+: sys.monitoring PY_RETURN/PY_YIELD (DISABLE for every other code object at its first
#          event, after which those run at full speed) and PY_UNWIND (cannot be disabled: only
#          frames an exception unwinds pay it).
#   3.11:  sys.settrace: every call pays the 'call' event; only matching frames get a local trace
#          function, whose 'return' event counts.
# Windows, as the kernel keeps them: Python windows per thread from the sys.audit marks
# pybudget.begin/end (an audit hook), Java windows from the slots the engine writes into the
# shared file's header. Counts go into that file (mmap, shared with the engine), so the engine
# reads them at any instant, and after the process is gone (os._exit, SIGKILL) too.
#
# Shared file (little-endian), offsets in bytes:
#   0 u32 magic "PBC1" (written last)   4 u32 pid   8 u32 mechanism (1 monitoring, 2 settrace)
#   12 u32 status (0 counting, 1 failed: the names file says why)
#   16 u32[4] Java window slots open now (written by the engine; 0 = free)
#   32 u64 calls not counted (no id left)   40 u64 window marks not followed (no slot, unbalanced)
#   48 u64 how many Java windows are open (written by the engine after the slots): one read per call
#   64 u64[MAX_IDS][128] counts by (function id, slot); slot 0 is the whole run
#   then char[64][64]: the name of each Java window (slots 64..127), NUL-terminated, written by the engine
#   before its slot is; a Python window of that name counts under the same slot
# Names file (append-only UTF-8 lines, tab-separated, \\ \t \n escaped), each line written before
# anything uses what it names:  f ID FILE FUNC  |  w SLOT NAME  |  e MESSAGE
#
# It imports nothing the interpreter had not imported at start-up but mmap, and keeps no reference
# to the workload's objects (names are copied), so the workload's memory behaves as untraced.


def _pybudget_calls_main():
    import os
    import sys

    env = os.environ
    data_file = env.get("PYBUDGET_CALLS_FILE")
    names_file = env.get("PYBUDGET_CALLS_NAMES")
    pattern = env.get("PYBUDGET_CALLS_PATTERN")
    here = env.get("PYBUDGET_CALLS_DIR")
    original_path = env.get("PYBUDGET_CALLS_PYTHONPATH")
    # Put the environment back first: children of the workload must not count into our file.
    for name in ("PYBUDGET_CALLS_FILE", "PYBUDGET_CALLS_NAMES", "PYBUDGET_CALLS_PATTERN", "PYBUDGET_CALLS_DIR",
                 "PYBUDGET_CALLS_PYTHONPATH"):
        env.pop(name, None)
    if here is not None:
        if original_path is None:
            env.pop("PYTHONPATH", None)
        else:
            env["PYTHONPATH"] = original_path
        sys.path[:] = [p for p in sys.path if p != here]
    if not (data_file and names_file and pattern):
        return

    MAX_IDS = 4096
    SLOTS = 128
    PY_SLOT_LAST = 63
    FILE_LEN = 256
    FUNC_LEN = 64
    WINDOW_NAME_LEN = 64
    COUNTS = 8  # first u64 of the counts
    JAVA_SLOT_FIRST = 64
    JAVA_NAMES = 64 + MAX_IDS * SLOTS * 8  # the engine writes each Java window's name here, by slot

    names_fd = os.open(names_file, os.O_WRONLY | os.O_APPEND)

    def escape(text):
        return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")

    parent = [True]  # False in a forked child: it must not name anything in the parent's file

    def note(*fields):
        if parent[0]:
            os.write(names_fd, ("\t".join(fields) + "\n").encode("utf-8", "surrogateescape"))

    had_mmap = "mmap" in sys.modules
    import mmap
    if not had_mmap:
        del sys.modules["mmap"]  # the workload's own import of mmap finds it as untraced
    fd = os.open(data_file, os.O_RDWR)
    try:
        shared = mmap.mmap(fd, 0)
    finally:
        os.close(fd)
    u32 = memoryview(shared).cast("I")
    u64 = memoryview(shared).cast("Q")
    own_file = __file__ if "__file__" in globals() else None

    def forked():
        # A child of fork() is not the traced process (the kernel's probes stay with the pid too): its
        # counts go to private memory nobody reads, and its hooks come off.
        nonlocal u32, u64
        parent[0] = False
        private = mmap.mmap(-1, len(shared))
        u32 = memoryview(private).cast("I")
        u64 = memoryview(private).cast("Q")
        stop()

    stop_hooks = []

    def stop():
        for undo in stop_hooks:
            undo()

    def fail(message):
        note("e", escape(message))
        u32[1] = os.getpid()
        u32[3] = 1
        u32[0] = 0x31434250

    colon = pattern.rfind(":")
    file_glob = pattern[:colon].encode("utf-8")
    func_glob = pattern[colon + 1:].encode("utf-8")

    def glob(p, t):
        # '*' any run, '?' one byte, on UTF-8 bytes: the kernel's matcher.
        i = j = 0
        star = -1
        mark = 0
        while i < len(t):
            if j < len(p) and (p[j] == 63 or (p[j] != 42 and p[j] == t[i])):
                i += 1
                j += 1
            elif j < len(p) and p[j] == 42:
                star = j + 1
                mark = i
                j += 1
            elif star >= 0:
                j = star
                mark += 1
                i = mark
            else:
                return False
        while j < len(p) and p[j] == 42:
            j += 1
        return j == len(p)

    def clipped(text, room):
        # What the kernel reads of a name: at most room - 1 bytes of its UTF-8.
        b = text.encode("utf-8", "surrogatepass")
        if len(b) < room:
            return text, b
        b = b[:room - 1]
        return b.decode("utf-8", "ignore"), b

    ids = {}          # (co_filename, co_name), copied -> where its counts start in u64; -1 rejected, -2 no room
    next_id = [0]

    def id_of(filename, funcname):
        if filename == own_file:
            i = -1
        else:
            f, fb = clipped(filename, FILE_LEN)
            n, nb = clipped(funcname, FUNC_LEN)
            i = -1
            if glob(file_glob, fb) and glob(func_glob, nb):
                i = next_id[0]
                if i >= MAX_IDS:
                    i = -2  # matches, no room: counted as lost
                else:
                    next_id[0] = i + 1
                    note("f", str(i), escape(f), escape(n))
                    i = COUNTS + i * SLOTS
        # New string objects: holding the code's own would keep them (and their addresses) alive.
        ids[(filename.encode("utf-8", "surrogatepass").decode("utf-8", "surrogatepass"),
             funcname.encode("utf-8", "surrogatepass").decode("utf-8", "surrogatepass"))] = i
        return i

    # Python windows: slot per name; per thread the stack of open slots and the distinct ones.
    # Python windows, as the kernel keeps them: a slot per name; per thread (a thread-local, so that a
    # thread that exits ends its windows, and a new thread never inherits them) the stack of open slots
    # and the distinct ones. A name the engine has opened from Java already takes the Java window's slot:
    # one window, each call counted once (the engine does the same the other way round).
    slots = {}
    from _thread import _local
    here_thread = _local()
    windows_seen = [False]  # until the first mark, a count looks at no thread's windows

    def slot_of(name):
        s = slots.get(name)
        if s is None:
            s = java_slot_named(name)
            if s == 0:
                s = sum(1 for v in slots.values() if v <= PY_SLOT_LAST) + 1
                if s > PY_SLOT_LAST:
                    return 0
            slots[name] = s
            note("w", str(s), escape(name))
        return s

    def java_slot_named(name):
        b = name.encode("utf-8", "surrogatepass")
        if len(b) >= WINDOW_NAME_LEN:
            return 0
        for k in range(SLOTS - JAVA_SLOT_FIRST):
            at = JAVA_NAMES + k * WINDOW_NAME_LEN
            if shared[at:at + len(b) + 1] == b + b"\0":
                return JAVA_SLOT_FIRST + k
        return 0

    def window_name(args):
        if not args or not isinstance(args[0], str):
            return None  # the kernel counts it (windowNames); it opens and closes nothing
        return clipped(args[0], WINDOW_NAME_LEN)[0]

    def audit_hook(event, args):
        if event == "pybudget.begin":
            name = window_name(args)
            if name is None:
                return
            s = slot_of(name)
            if s == 0:
                u64[5] += 1
                return
            stack = here_thread.__dict__.setdefault("stack", [])
            stack.append(s)
            here_thread.active = tuple(sorted(set(stack)))
            windows_seen[0] = True
        elif event == "pybudget.end":
            name = window_name(args)
            if name is None:
                return
            s = slots.get(name, 0)
            stack = here_thread.__dict__.get("stack")
            if not stack or s not in stack:
                u64[5] += 1  # closes nothing: the window stays open where it was opened
                return
            k = len(stack) - 1 - stack[::-1].index(s)
            del stack[k]
            here_thread.active = tuple(sorted(set(stack)))

    def java(b, counted):
        seen = counted
        for k in (4, 5, 6, 7):
            s = u32[k]
            if s and s not in seen:
                seen += (s,)
                u64[b + s] += 1

    def count(b):
        u64[b] += 1
        t = ()
        if windows_seen[0]:
            t = here_thread.__dict__.get("active", ())
            for s in t:
                u64[b + s] += 1
        if u64[6]:
            java(b, t)

    def lost():
        t = here_thread.__dict__.get("active", ()) if windows_seen[0] else ()
        n = 1 + len(t)
        for k in (4, 5, 6, 7):
            s = u32[k]
            if s and s not in t:
                n += 1
        u64[4] += n

    if sys.version_info >= (3, 12):
        mon = sys.monitoring
        tool = None
        for candidate in (4, 3):  # ids no standard tool claims (0 debugger, 1 coverage, 2 profilers, 5 optimizer)
            if mon.get_tool(candidate) is None:
                tool = candidate
                break
        if tool is None:
            fail("sys.monitoring has no free tool id (3 and 4 are taken)")
            return
        DISABLE = mon.DISABLE
        ids_get = ids.get

        def on_return(code, offset, value):
            b = ids_get((code.co_filename, code.co_name))
            if b is None:
                b = id_of(code.co_filename, code.co_name)
            if b > 0:  # count(b), written out: this is the one hot path
                u64[b] += 1
                t = ()
                if windows_seen[0]:
                    t = here_thread.__dict__.get("active", ())
                    for s in t:
                        u64[b + s] += 1
                if u64[6]:
                    java(b, t)
            elif b == -2:
                lost()
            else:
                return DISABLE

        def on_unwind(code, offset, exception):
            b = ids_get((code.co_filename, code.co_name))
            if b is None:
                b = id_of(code.co_filename, code.co_name)
            if b > 0:
                count(b)
            elif b == -2:
                lost()

        sys.addaudithook(audit_hook)
        mon.use_tool_id(tool, "pybudget")
        E = mon.events
        mon.register_callback(tool, E.PY_RETURN, on_return)
        mon.register_callback(tool, E.PY_YIELD, on_return)
        mon.register_callback(tool, E.PY_UNWIND, on_unwind)
        mon.set_events(tool, E.PY_RETURN | E.PY_YIELD | E.PY_UNWIND)
        stop_hooks.append(lambda: mon.set_events(tool, 0))
        u32[2] = 1
    else:
        # repr(frame) names the code without frame.f_code, which would raise an audit event per call.
        by_tail = {}
        modules = sys.modules
        threading_hooked = [False]
        locals_by_id = {}

        def local_for(i):
            def local(frame, event, arg):
                if event == "return":
                    count(i)
                return local
            return local

        def lost_local(frame, event, arg):
            if event == "return":
                lost()
            return lost_local

        def classify(tail):
            c = tail.rindex(", code ")
            name = tail[c + 7:-1]
            quoted = tail[7:tail.rindex(", line ", 0, c)]
            if "\\" in quoted:
                raw = quoted[1:-1].encode("latin-1", "backslashreplace").decode("unicode_escape")
            else:
                raw = quoted[1:-1]
            i = ids.get((raw, name))
            if i is None:
                i = id_of(raw, name)
            if i >= 0:
                local = locals_by_id.get(i)
                if local is None:
                    local = locals_by_id[i] = local_for(i)
            else:
                local = lost_local if i == -2 else None
            by_tail[tail] = local
            return local

        def on_call(frame, event, arg):
            if not threading_hooked[0]:
                threading = modules.get("threading")
                if threading is not None and hasattr(threading, "_trace_hook"):
                    threading._trace_hook = on_call  # threads it starts from now on are traced too
                    threading_hooked[0] = True
            r = repr(frame)
            tail = r[r.index(", file "):]
            local = by_tail.get(tail, 0)
            if local == 0:
                local = classify(tail)
            if local is not None:
                frame.f_trace_lines = False
            return local

        def displaced(event, args):
            # Someone else's sys.settrace (a debugger, coverage) replaces ours for the frames that
            # start after it: say so instead of counting short.
            if event == "sys.settrace" and sys.gettrace() is on_call:
                fail("the workload called sys.settrace (a debugger or a coverage tool?), which replaces the"
                     " counter's hook on CPython 3.11, so calls after it were not counted; count them with"
                     " the USDT probe (--calls-by usdt)")
            else:
                audit_hook(event, args)

        sys.settrace(on_call)
        sys.addaudithook(displaced)

        def untrace():
            if sys.gettrace() is on_call:
                sys.settrace(None)
            threading = modules.get("threading")
            if threading_hooked[0] and getattr(threading, "_trace_hook", None) is on_call:
                threading._trace_hook = None

        stop_hooks.append(untrace)
        u32[2] = 2
    os.register_at_fork(after_in_child=forked)
    u32[1] = os.getpid()
    u32[0] = 0x31434250


_pybudget_calls_main()
del _pybudget_calls_main

# Then the image's own sitecustomize, as if this one had not been there; without one, the
# ImportError site expects when there is none (site says nothing, and sys.modules has none).
import sys as _sys
_sys.modules.pop("sitecustomize", None)
del _sys
import sitecustomize  # noqa: F401,E402

"""Compare the oracle with what the USDT probes see, using bpftrace.

A development check of the oracle itself, and a reference for the window
rules the kernel side implements: each fixture runs under bpftrace (probes
attached before its first bytecode) with PYBUDGET_ORACLE set; the probe
stream is folded into windows by the rules in oracle.py's docstring and
compared with the oracle's JSON:

  per window  gc__start per generation == gc.callbacks "start"
              sum(gc__done)            == collected + uncollectable
              audit per event name     == sys.addaudithook
              function__return per "co_filename:co_name" of fixture files,
              oracle.py excluded       == rawCalls (profile "return" events)
              import__find__load__start module set == audit "import" set
  whole run   gc__start per generation == gcStats (finish() skips finalisation)
              fixture function__return == rawCalls
              oracle's import set is a subset of the probe's

Needs root, bpftrace, and a CPython with USDT notes (Debian's
/usr/bin/python3.11).  bpftrace prints each event; a lost event makes the
run FAIL, never pass.  Window names are read from the str in the audit
args tuple (compact ASCII layout: data at offset 48 on 3.11, 40 on 3.12+).

Usage: crosscheck.py [--python /usr/bin/python3.11] [FIXTURE [ARGS...]]
Ends with "N passed, N failed".
"""
import collections
import json
import os
import shutil
import subprocess
import sys
import tempfile

FIXTURES = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HERE = os.path.join(FIXTURES, "workloads")
SUPPORT = os.path.join(FIXTURES, "support")

DEFAULT_RUNS = [
    ["gc_churn.py"],
    ["call_parser.py"],
    ["audit_io.py"],
    ["windows.py"],
    ["threads_gc.py"],
    ["threads_gc.py", "--concurrent"],
    ["lazy_import/app.py"],
]

SCRIPT = r"""
usdt:PY:python:gc__start { printf("G %d %d\n", tid, arg0); }
usdt:PY:python:gc__done { printf("D %d %d\n", tid, arg0); }
usdt:PY:python:import__find__load__start { printf("I %d %s\n", tid, str(arg0)); }
usdt:PY:python:audit /strncmp(str(arg0), "pybudget.", 9) == 0/ {
    printf("W %d %s %s\n", tid, str(arg0), str(*(uint64 *)(arg1 + 24) + STROFF));
}
usdt:PY:python:audit /strncmp(str(arg0), "pybudget.", 9) != 0/ { printf("A %d %s\n", tid, str(arg0)); }
"""
CALLS = r"""
usdt:PY:python:function__return /strncmp(str(arg0), "DIR", DIRLEN) == 0/ {
    printf("R %d %s:%s\n", tid, str(arg0), str(arg1));
}
"""


def _new():
    return {"gc": [0, 0, 0], "collected": 0, "audit": collections.Counter(),
            "raw": collections.Counter(), "imports": set()}


def fold(lines):
    """Probe lines -> (whole run, {window: counts}).  The kernel-side rules:
    per (thread, name) open depth; begin: depth+1 then count; end: count then
    depth-1 (never below 0); an event counts once in every window whose
    depth on its thread is > 0."""
    total = _new()
    windows = collections.defaultdict(_new)
    depth = collections.defaultdict(collections.Counter)

    def targets(t):
        return [total] + [windows[n] for n, k in depth[t].items() if k > 0]

    for line in lines:
        parts = line.split(" ", 2)
        if len(parts) < 3 or parts[0] not in ("G", "D", "I", "A", "R", "W"):
            continue
        kind, t, rest = parts
        if kind == "W":
            event, name = rest.split(" ", 1)
            if event == "pybudget.begin":
                depth[t][name] += 1
            for c in targets(t):
                c["audit"][event] += 1
            if event == "pybudget.end" and depth[t][name] > 0:
                depth[t][name] -= 1
            continue
        for c in targets(t):
            if kind == "G":
                c["gc"][int(rest)] += 1
            elif kind == "D":
                c["collected"] += int(rest)
            elif kind == "I":
                c["imports"].add(rest)
            elif kind == "A":
                c["audit"][rest] += 1
            elif kind == "R":
                c["raw"][rest] += 1
    return total, windows


def _fixture_calls(counter):
    return dict((k, v) for k, v in counter.items()
                if os.path.basename(k.rsplit(":", 1)[0]) != "oracle.py")


def crosscheck(python, argv, has_calls, stroff, tmp):
    fixture = os.path.join(HERE, argv[0])
    out = os.path.join(tmp, "oracle.json")
    trace = os.path.join(tmp, "trace.out")
    for f in (out, trace):
        if os.path.exists(f):
            os.remove(f)
    script = SCRIPT + (CALLS if has_calls else "")
    script = script.replace("PY", python).replace("STROFF", str(stroff))
    script = script.replace("DIRLEN", str(len(HERE) + 1)).replace("DIR", HERE + "/")
    bt = os.path.join(tmp, "trace.bt")
    with open(bt, "w") as f:
        f.write(script)
    env = dict(os.environ, PYTHONPATH=SUPPORT, PYBUDGET_ORACLE=out, BPFTRACE_STRLEN="96", BPFTRACE_PERF_RB_PAGES="4096")
    cmd = " ".join([python, fixture] + argv[1:])
    p = subprocess.run(["bpftrace", "-o", trace, "-c", cmd, bt], cwd=os.path.dirname(fixture), env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=600)
    problems = []
    if not os.path.exists(out):
        return ["no oracle JSON (rc=%d): %s" % (p.returncode, p.stderr.strip()[-400:])]
    with open(trace) as f:
        lines = f.read().splitlines()
    if any("Lost" in l for l in lines) or "Lost" in p.stderr:
        problems.append("bpftrace lost events")
    with open(out) as f:
        o = json.load(f)
    total, windows = fold(lines)

    def cmp(label, kernel, oracle):
        if kernel != oracle:
            problems.append("%s: kernel %r != oracle %r" % (label, kernel, oracle))

    cmp("gcStats.collections", total["gc"], o["gcStats"]["collections"])
    cmp("gcStats.collected", total["collected"], o["gcStats"]["collected"] + o["gcStats"]["uncollectable"])
    for name, w in sorted(o["windows"].items()):
        k = windows.get(name, _new())
        cmp(name + ".gc", k["gc"], w["gc"]["collections"])
        cmp(name + ".collected", k["collected"], w["gc"]["collected"] + w["gc"]["uncollectable"])
        cmp(name + ".audit", dict(k["audit"]), w["audit"])
        if has_calls:
            cmp(name + ".rawCalls", _fixture_calls(k["raw"]), w["rawCalls"])
        cmp(name + ".imports", sorted(k["imports"]), w["imports"])
    extra = set(windows) - set(o["windows"])
    if extra:
        problems.append("windows only the kernel saw: %s" % sorted(extra))
    if has_calls:
        cmp("whole-run rawCalls", _fixture_calls(total["raw"]), o["rawCalls"])
    missing = set(o["imports"]) - total["imports"]
    if missing:
        problems.append("imports the probe did not see: %s" % sorted(missing))
    return problems


def main():
    argv = sys.argv[1:]
    python = "/usr/bin/python3.11"
    if argv[:1] == ["--python"]:
        python, argv = argv[1], argv[2:]
    runs = [argv] if argv else DEFAULT_RUNS
    if os.geteuid() != 0 or not shutil.which("bpftrace"):
        print("crosscheck: needs root and bpftrace; skipped")
        print("0 passed, 0 failed")
        return
    notes = subprocess.run(["readelf", "-n", python], stdout=subprocess.PIPE, text=True).stdout
    if "stapsdt" not in notes:
        print("crosscheck: %s has no USDT notes (.note.stapsdt); skipped" % python)
        print("0 passed, 0 failed")
        return
    has_calls = "function__return" in notes
    version = subprocess.run([python, "-c", "import sys; print(sys.version_info[1])"],
                             stdout=subprocess.PIPE, text=True).stdout.strip()
    stroff = 48 if int(version) <= 11 else 40
    tmp = tempfile.mkdtemp(prefix="pybudget-crosscheck-")
    passed = failed = 0
    try:
        for run in runs:
            problems = crosscheck(python, run, has_calls, stroff, tmp)
            label = " ".join(run)
            if problems:
                failed += 1
                print("FAIL %s" % label)
                for pr in problems:
                    print("  " + pr)
            else:
                passed += 1
                print("PASS %s" % label)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()

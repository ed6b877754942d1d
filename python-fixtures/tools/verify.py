"""Check the fixtures and their oracle without any tracing (stdlib only).

For every oracle fixture: one run without PYBUDGET_ORACLE (must exit 0 and
write nothing), two runs with it (must exit 0, write the JSON, and give the
same counts both times, pid aside), plus a few fixture-specific facts
("second" has no import, a worker's collection is not in "batch", ...).
Then the crash modes, the HTTP service (cold and --warm), and that there is
one oracle.py (support/), which every workload puts on its sys.path.

Usage: verify.py [--python PATH] [--print] [--only NAME]
  --python  interpreter to run the fixtures with (default /usr/bin/python3.11)
  --print   print each fixture's oracle JSON
Ends with a line "N passed, N failed"; exit status 1 when anything failed.
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

FIXTURES = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HERE = os.path.join(FIXTURES, "workloads")

# fixture (relative to HERE), arguments
ORACLE_FIXTURES = [
    ("gc_churn.py", []),
    ("call_parser.py", []),
    ("reused_names.py", []),
    ("audit_io.py", []),
    ("windows.py", []),
    ("threads_gc.py", []),
    ("lazy_import/app.py", []),
]

results = []


def check(name, ok, detail=""):
    results.append(ok)
    print("%s %s%s" % ("PASS" if ok else "FAIL", name, (": " + detail) if detail and not ok else ""))
    return ok


def run(python, fixture, args, oracle_path=None, timeout=120):
    path = os.path.join(HERE, fixture)
    env = dict(os.environ)
    env.pop("PYBUDGET_ORACLE", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)   # the oracle itself must keep runs alike
    if oracle_path:
        env["PYBUDGET_ORACLE"] = oracle_path
    return subprocess.run([python, path] + args, cwd=os.path.dirname(path), env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=timeout)


def fixture_facts(fixture, o):
    """Fixture-specific expectations on one oracle JSON: [(label, ok)]."""
    w = o["windows"]
    facts = [("gc since install <= gcStats",
              all(a <= b for a, b in zip(o["gc"]["collections"], o["gcStats"]["collections"]))),
             ("no window left open", o["openAtFinish"] == [])]
    if fixture == "gc_churn.py":
        g = w["work"]["gc"]["collections"]
        facts.append(("work has gen0, gen1 and gen2 collections", g[0] > 0 and g[1] > 0 and g[2] >= 2))
    elif fixture == "call_parser.py":
        calls = w["work"]["calls"]
        facts.append(("parser functions counted",
                      any(k.endswith(":parse_factor") for k in calls) and any(k.endswith(":tokenize") for k in calls)))
    elif fixture == "audit_io.py":
        a = w["io"]["audit"]
        facts.append(("io audit events", all(a.get(e, 0) >= 1 for e in (
            "open", "socket.bind", "socket.connect", "subprocess.Popen", "os.listdir"))))
    elif fixture == "windows.py":
        facts.append(("item opened 3 times, phase twice", w["item"]["opened"] == 3 and w["phase"]["opened"] == 2))
        facts.append(("item: 3 gen0 collections", w["item"]["gc"]["collections"] == [3, 0, 0]))
        facts.append(("batch: only its own thread's collections", w["batch"]["gc"]["collections"] == [3, 0, 0]))
        facts.append(("worker: its gen1 collection", w["worker"]["gc"]["collections"] == [0, 1, 0]))
        facts.append(("worker's import not in batch",
                      "difflib" in w["worker"]["imports"] and "difflib" not in w["batch"]["imports"]))
        facts.append(("nested phase counts once", w["phase"]["gc"]["collections"] == [2, 0, 0]))
        facts.append(("unmatched end counted, no ghost window",
                      "ghost" not in w and o["audit"]["pybudget.end"] == o["audit"]["pybudget.begin"] + 1))
    elif fixture == "threads_gc.py":
        per = [v for k, v in w.items() if k.startswith("thread-")]
        summed = [sum(v["gc"]["collections"][g] for v in per) for g in range(3)]
        facts.append(("sum of thread-N == churn", summed == w["churn"]["gc"]["collections"]
                      and sum(v["gc"]["collected"] for v in per) == w["churn"]["gc"]["collected"]))
        facts.append(("every thread-N the same", len(set(json.dumps(v, sort_keys=True) for v in
                      [dict(x["gc"]) for x in per])) == 1))
    elif fixture == "lazy_import/app.py":
        facts.append(("first imports report, decimal, json", all(m in w["first"]["imports"] for m in ("report", "decimal", "json"))))
        facts.append(("second imports nothing", w["second"]["imports"] == [] and "import" not in w["second"]["audit"]))
    return facts


def verify_oracle_fixtures(python, show, only):
    tmp = tempfile.mkdtemp(prefix="pybudget-verify-")
    for fixture, args in ORACLE_FIXTURES:
        if only and only not in fixture:
            continue
        plain = run(python, fixture, args)
        check("%s runs without the oracle" % fixture, plain.returncode == 0,
              "rc=%d %s" % (plain.returncode, plain.stderr.strip()[-300:]))
        outs = []
        for i in range(2):
            path = os.path.join(tmp, "%s.%d.json" % (fixture.replace("/", "_"), i))
            r = run(python, fixture, args, path)
            ok = r.returncode == 0 and os.path.exists(path)
            check("%s runs with the oracle (%d)" % (fixture, i + 1), ok,
                  "rc=%d %s" % (r.returncode, r.stderr.strip()[-300:]))
            if ok:
                with open(path) as f:
                    outs.append(json.load(f))
        if len(outs) != 2:
            continue
        if show:
            print(json.dumps(outs[0], indent=1, sort_keys=True))
        a, b = (dict(x, pid=0) for x in outs)
        check("%s oracle counts identical in two runs" % fixture, a == b, _diff(a, b))
        for label, ok in fixture_facts(fixture, outs[0]):
            check("%s: %s" % (fixture, label), ok)
    leftovers = [n for n in os.listdir(tmp) if ".tmp." in n]
    check("no temporary oracle files left", not leftovers, str(leftovers))
    shutil.rmtree(tmp, ignore_errors=True)


def _diff(a, b, prefix=""):
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in sorted(set(a) | set(b)):
            if a.get(k) != b.get(k):
                out.append(_diff(a.get(k), b.get(k), prefix + "/" + str(k)))
        return "; ".join(out[:5])
    return "%s: %r != %r" % (prefix, a, b) if a != b else ""


def verify_crash(python):
    expect = {"exception": 1, "exit3": 3, "segv": -signal.SIGSEGV}
    for mode, rc in expect.items():
        r = run(python, "crash.py", [mode])
        check("crash.py %s exits %d" % (mode, rc), r.returncode == rc, "rc=%d" % r.returncode)
    path = os.path.join(HERE, "crash.py")
    p = subprocess.Popen([python, path, "hang"], cwd=HERE, stdout=subprocess.PIPE, text=True)
    try:
        lines = [p.stdout.readline().strip(), p.stdout.readline().strip()]
        time.sleep(0.3)
        check("crash.py hang keeps running", p.poll() is None and lines[-1] == "hanging", str(lines))
    finally:
        p.kill()
        p.wait()


def verify_service(python, warm):
    path = os.path.join(HERE, "lazy_import_service", "server.py")
    cmd = [python, path, "0"] + (["--warm"] if warm else [])
    p = subprocess.Popen(cmd, cwd=os.path.dirname(path), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    label = "server.py%s" % (" --warm" if warm else "")
    try:
        line = p.stdout.readline().strip()
        if not check("%s prints 'listening on PORT'" % label, line.startswith("listening on "), line):
            return
        base = "http://127.0.0.1:%d" % int(line.split()[-1])

        def get(url):
            t = time.perf_counter()
            with urllib.request.urlopen(base + url, timeout=10) as r:
                body = r.read()
                return r.status, body, (time.perf_counter() - t) * 1000

        status, body, _ = get("/health")
        check("%s /health" % label, status == 200 and body == b"ok\n")
        times = []
        for _ in range(3):
            status, body, ms = get("/checkout")
            times.append(round(ms, 1))
            ok = status == 200 and "total" in json.loads(body)
        check("%s /checkout x3 (ms: %s)" % (label, times), ok)
    finally:
        p.send_signal(signal.SIGTERM)
        try:
            rc = p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()
            rc = p.wait()
        err = p.stderr.read()
        check("%s stops on SIGTERM, nothing on stderr" % label, rc == 0 and err == "", "rc=%s %s" % (rc, err[-300:]))


def verify_one_oracle():
    copies = []
    for root, _dirs, files in os.walk(FIXTURES):
        if "oracle.py" in files:
            copies.append(os.path.relpath(os.path.join(root, "oracle.py"), FIXTURES))
    check("one oracle.py, in support/", copies == [os.path.join("support", "oracle.py")], ", ".join(copies))


def main():
    python = "/usr/bin/python3.11"
    argv = sys.argv[1:]
    show = "--print" in argv
    only = None
    if "--python" in argv:
        python = argv[argv.index("--python") + 1]
    if "--only" in argv:
        only = argv[argv.index("--only") + 1]
    print("python: %s" % subprocess.run([python, "-c", "import sys; print(sys.version.split()[0])"],
                                         stdout=subprocess.PIPE, text=True).stdout.strip())
    verify_one_oracle()
    verify_oracle_fixtures(python, show, only)
    if not only:
        verify_crash(python)
        verify_service(python, warm=False)
        verify_service(python, warm=True)
    failed = results.count(False)
    print("%d passed, %d failed" % (len(results) - failed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()

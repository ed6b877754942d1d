"""odd_names: modules, functions, files, audit events and windows with odd names.

Every name the probes report, made awkward: very long (past the kernel's
buffers: 128 bytes for module names, 256 for files, 64 for functions, audit
events and windows), non-ASCII, containing quotes, backslashes and control
characters, empty, and (unless --utf8-only) not encodable as UTF-8 at all
(a str with a lone surrogate, as a file name with bytes that are not UTF-8
decodes to).  Each case runs in a try, and the script prints one line per
case: "case NAME: ok" or "case NAME: <exception type>".

CPython itself fails on the last kind while its probes are on: its dtrace
hooks call PyUnicode_AsUTF8, which fails for a lone surrogate and leaves the
exception set, so the import (3.11, 3.13) or the call (3.11) raises
SystemError in the workload (untraced, every case is ok).

The modules are written into a fresh temporary folder (removed at the end);
nothing is imported from it twice.

Usage: odd_names.py [--utf8-only]
"""
import os
import shutil
import sys
import tempfile
import types

UTF8_ONLY = "--utf8-only" in sys.argv[1:]

LONG_MODULE = "long_" + "m" * 195                      # 200 bytes
PACKAGES = ["pkg_" + c * 56 for c in "abc"]             # 3 x 60 bytes
DEEP_MODULE = ".".join(PACKAGES + ["leaf"])             # 187 bytes
UNICODE_MODULE = "modulé_名前"
SURROGATE_MODULE = "mod_\udcff"                          # file mod_<0xff>.py
LONG_FUNCTION = "f_" + "x" * 298                         # 300 bytes
UNICODE_FUNCTION = "función_名前"
QUOTED_FUNCTION = 'we"ird\\na\tme\x01'
LONG_FILE = "/" + "d" * 300 + "/long_file.py"
LONG_AUDIT = "ev." + "a" * 97                            # 100 bytes
UNICODE_AUDIT = "événement.名前"
QUOTED_AUDIT = 'a\nb"c\\d'
LONG_WINDOW_A = "w" * 70 + "-first"                      # the same first 63 bytes
LONG_WINDOW_B = "w" * 70 + "-second"
results = []


def case(name, action):
    try:
        action()
        results.append((name, "ok"))
    except BaseException as e:  # noqa: B902  the point is to see any of them
        results.append((name, type(e).__name__))


def function(name, filename="odd_names.py"):
    def template():
        return 1
    return types.FunctionType(template.__code__.replace(co_name=name, co_qualname=name,
                                                        co_filename=filename), {})


def call(name, filename=None, times=3):
    f = function(name, filename or os.path.abspath(__file__))
    for _ in range(times):
        f()


def window(name):
    sys.audit("pybudget.begin", name)
    sys.audit("odd.inside", name)
    sys.audit("pybudget.end", name)


def main():
    root = tempfile.mkdtemp(prefix="odd_names-")
    broot = os.fsencode(root)
    try:
        with open(os.path.join(root, LONG_MODULE + ".py"), "w") as f:
            f.write("X = 1\n")
        path = root
        for p in PACKAGES:
            path = os.path.join(path, p)
            os.mkdir(path)
            open(os.path.join(path, "__init__.py"), "w").close()
        with open(os.path.join(path, "leaf.py"), "w") as f:
            f.write("X = 2\n")
        with open(os.path.join(root, UNICODE_MODULE + ".py"), "w", encoding="utf-8") as f:
            f.write("X = 3\n")
        if not UTF8_ONLY:
            with open(broot + b"/mod_\xff.py", "w") as f:
                f.write("X = 4\n")
        sys.path.insert(0, root)

        case("long module", lambda: __import__(LONG_MODULE))
        case("deep module", lambda: __import__(DEEP_MODULE))
        case("unicode module", lambda: __import__(UNICODE_MODULE))
        case("long function", lambda: call(LONG_FUNCTION))
        case("unicode function", lambda: call(UNICODE_FUNCTION))
        case("quoted function", lambda: call(QUOTED_FUNCTION))
        case("empty function", lambda: call(""))
        case("long file", lambda: call("in_long_file", LONG_FILE))
        case("unicode file", lambda: call("in_unicode_file", "/tmp/fichier_é名.py"))
        case("long audit", lambda: sys.audit(LONG_AUDIT))
        case("unicode audit", lambda: sys.audit(UNICODE_AUDIT))
        case("quoted audit", lambda: sys.audit(QUOTED_AUDIT))
        case("empty audit", lambda: sys.audit(""))
        case("long windows", lambda: (window(LONG_WINDOW_A), window(LONG_WINDOW_B)))
        case("latin-1 window", lambda: window("fenêtre"))
        case("ucs-2 window", lambda: window("名前"))
        case("empty window", lambda: window(""))
        case("quoted window", lambda: window('q"u\\o\nte'))
        if not UTF8_ONLY:
            case("surrogate module", lambda: __import__(SURROGATE_MODULE))
            case("surrogate function", lambda: call("bad\udcff"))
            case("surrogate file", lambda: call("in_bad_file", "/tmp/bad_\udcff.py"))
        for name, outcome in results:
            print("case %s: %s" % (name, outcome))
    finally:
        shutil.rmtree(broot)
    sys.stdout.flush()


main()

"""What a workload under pybudget tries, to take more than it was given: each attempt that the
container once allowed (when the workload shared the agent's CAP_SYS_ADMIN). Prints one JSON object,
attempt -> the errno name that refused it, or "ALLOWED"."""
import ctypes
import ctypes.util
import errno
import json
import os
import signal
import sys
import time

libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
libc.syscall.restype = ctypes.c_long
libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_void_p]

SYS_BPF = 321           # x86_64
SYS_PERF_EVENT_OPEN = 298
BPF_MAP_CREATE = 0
BPF_PROG_LOAD = 5
CLONE_NEWNS = 0x00020000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
PTRACE_ATTACH = 16
results = {}


def outcome(rc):
    if rc == -1 or rc is None or (isinstance(rc, int) and rc < 0):
        return errno.errorcode.get(ctypes.get_errno(), str(ctypes.get_errno()))
    return "ALLOWED"


def attempt(name, fn):
    try:
        results[name] = fn()
    except OSError as e:
        results[name] = errno.errorcode.get(e.errno, str(e.errno))


os.makedirs("/tmp/mnt", exist_ok=True)
for fstype in ("proc", "sysfs", "tmpfs", "bpf", "cgroup"):
    attempt("mount " + fstype, lambda: outcome(libc.mount(fstype.encode(), b"/tmp/mnt", fstype.encode(), 0,
                                                               b"memory" if fstype == "cgroup" else None)))


def bpf(cmd, attr):
    buf = ctypes.create_string_buffer(bytes(attr), 128)
    return outcome(libc.syscall(SYS_BPF, cmd, buf, 128))


# BPF_MAP_CREATE: array map, key 4, value 4, one entry.
attempt("bpf map create", lambda: bpf(BPF_MAP_CREATE, (2).to_bytes(4, "little") + (4).to_bytes(4, "little")
                                        + (4).to_bytes(4, "little") + (1).to_bytes(4, "little")))
# BPF_PROG_LOAD: a socket filter "r0 = 0; exit".
insns = ctypes.create_string_buffer(bytes([0xb7, 0, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0]), 16)
license = ctypes.create_string_buffer(b"GPL")
attr = (1).to_bytes(4, "little") + (2).to_bytes(4, "little") + ctypes.addressof(insns).to_bytes(8, "little") \
    + ctypes.addressof(license).to_bytes(8, "little")
attempt("bpf prog load", lambda: bpf(BPF_PROG_LOAD, attr))
# A software perf event (cpu clock) of any process: what uprobes and bpf_send_signal ride on.
perf_attr = ctypes.create_string_buffer((1).to_bytes(4, "little") + (128).to_bytes(4, "little"), 128)
attempt("perf_event_open", lambda: outcome(libc.syscall(SYS_PERF_EVENT_OPEN, perf_attr, -1, 0, -1, 0)))
attempt("unshare user+mount namespace", lambda: outcome(libc.unshare(CLONE_NEWUSER | CLONE_NEWNS)))
attempt("unshare mount namespace", lambda: outcome(libc.unshare(CLONE_NEWNS)))
attempt("unshare pid namespace", lambda: outcome(libc.unshare(CLONE_NEWPID)))


def write_cgroup():
    for root, dirs, files in os.walk("/sys/fs/cgroup"):
        for name in sorted(files):
            if name in ("cgroup.procs", "release_agent", "notify_on_release", "memory.limit_in_bytes", "memory.max"):
                with open(os.path.join(root, name), "w") as f:
                    f.write("1\n")
                return "ALLOWED"
    return "ENOENT"


attempt("write a cgroup file", write_cgroup)
attempt("read /proc/1/environ (the agent's token)", lambda: (open("/proc/1/environ", "rb").read(), "ALLOWED")[1])
attempt("list /proc/1/root (the agent's files)", lambda: (os.listdir("/proc/1/root"), "ALLOWED")[1])
attempt("ptrace the agent", lambda: outcome(libc.ptrace(PTRACE_ATTACH, 1, None, None)))


def kill_agent(sig):
    os.kill(1, sig)
    time.sleep(0.2)
    with open("/proc/1/cmdline", "rb") as f:
        alive = b"AgentMain" in f.read()
    return "IGNORED" if alive else "ALLOWED"


attempt("SIGKILL to the agent", lambda: kill_agent(signal.SIGKILL))
attempt("SIGTERM to the agent", lambda: kill_agent(signal.SIGTERM))
print(json.dumps(results, sort_keys=True))
sys.stdout.flush()

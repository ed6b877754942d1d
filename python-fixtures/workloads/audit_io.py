"""audit_io: file, socket, subprocess and directory I/O (the audit probe).

Inside the window "io": writes and reads back a temporary file (open,
tempfile.mkstemp, os.remove), serves one TCP connection on 127.0.0.1 from a
thread (socket.__new__, socket.bind, socket.connect; 3.13 also raises
_thread.start_joinable_thread), runs a child interpreter (subprocess.Popen),
and lists a directory (os.listdir).  Loopback only.  The server thread's own events (its accept)
happen on that thread, so they count outside "io".

Usage: audit_io.py [ROUNDS]   (default 1: each round does all of the above)
"""
import os, sys
sys.path.append(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))  # oracle.py
import oracle; oracle.install()

import os
import socket
import subprocess
import sys
import tempfile
import threading


def file_round_trip(directory, payload):
    fd, path = tempfile.mkstemp(prefix="pybudget-", suffix=".txt", dir=directory)
    try:
        with os.fdopen(fd, "w") as f:
            f.write(payload)
        with open(path) as f:
            data = f.read()
    finally:
        os.remove(path)
    return data


def serve_once(server):
    conn, _addr = server.accept()
    with conn:
        data = conn.recv(1024)
        conn.sendall(data.upper())


def socket_round_trip(message):
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    thread = threading.Thread(target=serve_once, args=(server,), name="echo-server")
    thread.start()
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as client:
        client.connect(server.getsockname())
        client.sendall(message)
        reply = client.recv(1024)
    thread.join()
    server.close()
    return reply


def run_child():
    return subprocess.run([sys.executable, "-c", "pass"]).returncode


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    workdir = tempfile.mkdtemp(prefix="pybudget-io-")
    try:
        with oracle.window("io"):
            for i in range(rounds):
                assert file_round_trip(workdir, "round %d\n" % i) == "round %d\n" % i
                assert socket_round_trip(b"ping %d" % i) == b"PING %d" % i
                assert run_child() == 0
                entries = os.listdir(workdir)
    finally:
        os.rmdir(workdir)
    print("audit_io: rounds=%d, %d entries left" % (rounds, len(entries)))
    oracle.finish()


main()

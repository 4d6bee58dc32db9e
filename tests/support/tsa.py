#!/usr/bin/env python3
"""A tiny RFC 3161 time-stamp authority for the signing tests: HTTP on 127.0.0.1, each POSTed
application/timestamp-query answered by `openssl ts -reply` with the TSA cert and key made by
tests/support/pki.sh (extendedKeyUsage critical timeStamping, signed by the test root).

Usage: tsa.py PKI_DIR [PORT]   (PORT 0 or absent: any free port)
Prints "PORT <n>" on stdout once listening, then serves until killed. Each request served appends
a line to PKI_DIR/tsa.log, so a test can tell the TSA was really asked.
"""
import http.server
import os
import subprocess
import sys
import contextlib
import fcntl
import tempfile
import threading

PKI = os.path.abspath(sys.argv[1])
PORT = int(sys.argv[2]) if len(sys.argv) > 2 else 0
THREADS = threading.Lock()


@contextlib.contextmanager
def serial_lock():
    """One reply at a time per PKI folder: openssl reads and rewrites the serial file
    (tsa-serial), which several TSA processes of one test run share (their tests run at once)."""
    with THREADS, open(os.path.join(PKI, "tsa.lock"), "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        query = self.rfile.read(n)
        with tempfile.TemporaryDirectory() as d, serial_lock():
            q, r = os.path.join(d, "q.tsq"), os.path.join(d, "r.tsr")
            with open(q, "wb") as f:
                f.write(query)
            p = subprocess.run(
                ["openssl", "ts", "-reply", "-config", os.path.join(PKI, "tsa.cnf"), "-section", "t",
                 "-queryfile", q, "-out", r],
                cwd=PKI, capture_output=True)
            ok = p.returncode == 0 and os.path.exists(r)
            body = open(r, "rb").read() if ok else p.stderr
            with open(os.path.join(PKI, "tsa.log"), "a") as log:
                log.write(f"{'ok' if ok else 'error'} {len(query)} {self.path}\n")
        self.send_response(200 if ok else 400)
        self.send_header("Content-Type", "application/timestamp-reply" if ok else "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", PORT), Handler)
print(f"PORT {server.server_address[1]}", flush=True)
server.serve_forever()

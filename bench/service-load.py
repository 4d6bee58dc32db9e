#!/usr/bin/env python3
"""Load generator for bench/service.sh: a second process driving `renja serve` over loopback.

Usage: service-load.py MODE BASE_URL ACCOUNTS_FILE [ARGS...]
  throughput ROUNDS   ROUNDS new revisions of the Perubahan sample, then PDF + DOCX of each
                      requested at once (every render a cache miss); prints "N WALL RATE".
  users N ROUNDS      N concurrent users (one thread and one keep-alive connection each), each
                      doing ROUNDS of: a save (a new revision of the user's own edition), a check
                      of the sample's head revision, a cached PDF render of it. Prints one line per
                      kind: "kind p50 p95 max req/s errors" (milliseconds).
  previews N          N preview WebSockets (each with its own unsaved edit, so N different
                      documents), each waited on until its first snapshot has arrived, then held
                      open; prints "opened SECONDS" and waits for a line on stdin before closing.

Every loop is bounded; every request has a timeout. Standard library only.
"""
import base64, http.client, json, os, socket, statistics, sys, threading, time, urllib.parse

mode, base, accounts_file = sys.argv[1], sys.argv[2], sys.argv[3]
args = [int(a) for a in sys.argv[4:]]
acc = {}
for line in open(accounts_file):
    w = line.split()
    if len(w) == 3 and w[0] in ("penyusun", "admin", "verifikator", "penandatangan"):
        acc[w[0]] = w[2]
host = urllib.parse.urlparse(base).netloc


def conn():
    return http.client.HTTPConnection(host, timeout=600)


def req(c, method, path, body=None, cookie=None):
    h = {"Content-Type": "application/json", "Origin": base}
    if cookie:
        h["Cookie"] = cookie
    c.request(method, path, body=json.dumps(body) if body is not None else None, headers=h)
    r = c.getresponse()
    data = r.read()
    return r.status, r.getheader("Set-Cookie"), data


c = conn()
st, sc, _ = req(c, "POST", "/api/v1/sesi", {"login": "penyusun", "sandi": acc["penyusun"]})
assert st == 200, st
cookie = sc.split(";")[0]
st, _, data = req(c, "GET", "/api/v1/edisi", cookie=cookie)
# The Perubahan sample (content/): `--contoh` also loads the murni sample, whose chapters differ.
ed = next(e for e in json.loads(data) if e["jenis"] == "perubahan")
eid, head, opd = ed["id"], ed["kepala"], ed["opd"]
st, _, data = req(c, "GET", f"/api/v1/edisi/{eid}/revisi/{head}/berkas/bab/04-penutup.md", cookie=cookie)
assert st == 200, st
closing = data.decode()


def q(lat, p):
    return lat[min(len(lat) - 1, int(p * len(lat)))] * 1000


def run_all(target, argss):
    """Runs target(*args) for each args in its own thread, all at once; returns the wall time."""
    ts = [threading.Thread(target=target, args=a) for a in argss]
    t0 = time.perf_counter()
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return time.perf_counter() - t0


if mode == "throughput":
    rounds = args[0]
    revs, base_rev = [], head
    for i in range(rounds):
        st, _, data = req(c, "POST", f"/api/v1/edisi/{eid}/revisi", {"dasar": base_rev, "pesan": f"bench {i}", "berkas": {"bab/04-penutup.md": closing + f"\nKalimat uji {i}.\n"}}, cookie=cookie)
        assert st == 201, data
        base_rev = json.loads(data)["revisi"]["id"]
        revs.append(base_rev)
    paths = [f"/api/v1/edisi/{eid}/revisi/{r}/susun/{f}" for r in revs for f in ("pdf", "docx")]
    errs = []

    def one(p):
        s, _, _ = req(conn(), "GET", p, cookie=cookie)
        if s != 200:
            errs.append(s)

    wall = run_all(one, [(p,) for p in paths])
    assert not errs, errs
    print(f"{len(paths)} {wall:.2f} {len(paths) / wall:.2f}")

elif mode == "users":
    users, rounds = args
    # Each user gets an edition of its own (distinct year/revision), created before the clock
    # starts, so saves never conflict with another user's: the save path, not the 409 path.
    mine = []
    for u in range(users):
        st, _, data = req(c, "POST", "/api/v1/edisi", {"opd": opd, "tahun": 2000 + u % 100, "jenis": "murni", "revisi": 50 + u // 100}, cookie=cookie)
        assert st == 201, (st, data)
        mine.append(json.loads(data)["id"])
    req(c, "GET", f"/api/v1/edisi/{eid}/revisi/{head}/susun/pdf", cookie=cookie)  # the cached render
    kinds = ("save", "check", "cached-pdf")
    lat = {k: [] for k in kinds}
    errs = {k: 0 for k in kinds}
    lock = threading.Lock()
    start = threading.Barrier(users)

    def user(u):
        cc = conn()
        base_rev = None
        start.wait()
        for i in range(rounds):
            for k in kinds:
                t = time.perf_counter()
                try:
                    if k == "save":
                        s, _, d = req(cc, "POST", f"/api/v1/edisi/{mine[u]}/revisi", {"dasar": base_rev, "pesan": f"u{u} r{i}", "berkas": {"bab/04-penutup.md": closing + f"\nKalimat pengguna {u} ke-{i}.\n"}}, cookie=cookie)
                        if s == 201:
                            base_rev = json.loads(d)["revisi"]["id"]
                    elif k == "check":
                        s, _, _ = req(cc, "GET", f"/api/v1/edisi/{eid}/revisi/{head}/periksa", cookie=cookie)
                    else:
                        s, _, _ = req(cc, "GET", f"/api/v1/edisi/{eid}/revisi/{head}/susun/pdf", cookie=cookie)
                except OSError:
                    s, cc = 0, conn()
                dt = time.perf_counter() - t
                with lock:
                    lat[k].append(dt)
                    if s not in (200, 201):
                        errs[k] += 1

    wall = run_all(user, [(u,) for u in range(users)])
    for k in kinds:
        v = sorted(lat[k])
        print(f"{k} {q(v, .5):.1f} {q(v, .95):.1f} {v[-1] * 1000:.1f} {len(v) / wall:.1f} {errs[k]}")

elif mode == "previews":
    n = args[0]
    ready = []
    socks = []

    def frame(payload):
        # A masked client text frame (RFC 6455 5.2).
        b = payload.encode()
        mask = os.urandom(4)
        head = bytearray([0x81])
        if len(b) < 126:
            head.append(0x80 | len(b))
        elif len(b) < 65536:
            head.append(0x80 | 126)
            head += len(b).to_bytes(2, "big")
        else:
            head.append(0x80 | 127)
            head += len(b).to_bytes(8, "big")
        return bytes(head) + mask + bytes(x ^ mask[i % 4] for i, x in enumerate(b))

    def read_exact(s, k):
        out = b""
        while len(out) < k:
            chunk = s.recv(k - len(out))
            if not chunk:
                raise OSError("closed")
            out += chunk
        return out

    def preview(i):
        h, p = host.split(":")
        s = socket.create_connection((h, int(p)), timeout=600)
        key = base64.b64encode(os.urandom(16)).decode()
        s.sendall((f"GET /api/v1/edisi/{eid}/pratinjau HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\n"
                   f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                   f"Origin: {base}\r\nCookie: {cookie}\r\n\r\n").encode())
        resp = b""
        while b"\r\n\r\n" not in resp:
            resp += s.recv(1)
        assert resp.startswith(b"HTTP/1.1 101"), resp[:200]
        socks.append(s)
        # Drain frames until a snapshot's last part, then keep draining (pings, updates).
        state = "saved"
        while True:
            try:
                h0, h1 = read_exact(s, 2)
            except OSError:
                return
            ln = h1 & 0x7F
            if ln == 126:
                ln = int.from_bytes(read_exact(s, 2), "big")
            elif ln == 127:
                ln = int.from_bytes(read_exact(s, 8), "big")
            body = read_exact(s, ln)
            op = h0 & 0x0F
            if op == 0x9:  # ping → pong (masked, as a client must)
                mask = os.urandom(4)
                s.sendall(bytes([0x8A, 0x80 | len(body)]) + mask + bytes(x ^ mask[j % 4] for j, x in enumerate(body)))
                continue
            if op == 0x8:
                return
            if op != 0x1:
                continue
            m = json.loads(body)
            if m.get("type") in ("snapshot", "update") and m.get("part") == m.get("parts", 0) - 1:
                if state == "saved":
                    # The first snapshot is the saved revision; now this user's own unsaved edit.
                    s.sendall(frame(json.dumps({"berkas": {"bab/04-penutup.md": closing + f"\nSuntingan belum disimpan {i}.\n"}})))
                    state = "edited"
                elif state == "edited":
                    ready.append(i)
                    state = "counted"

    t0 = time.perf_counter()
    ts = [threading.Thread(target=preview, args=(i,), daemon=True) for i in range(n)]
    for t in ts:
        t.start()
    deadline = time.time() + 900
    while len(ready) < n and time.time() < deadline:
        time.sleep(0.2)
    assert len(ready) == n, f"{len(ready)} of {n} previews rendered their edit"
    print(f"opened {time.perf_counter() - t0:.1f}", flush=True)
    sys.stdin.readline()
    for s in socks:
        s.close()
else:
    sys.exit(f"unknown mode {mode}")

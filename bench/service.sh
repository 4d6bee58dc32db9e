#!/usr/bin/env bash
# Benchmark of `renja serve` on the sample edition, one run, all numbers side by side:
#  - render throughput (PDF + DOCX, cache cold: every request a different revision) with 1 and 2
#    render workers;
#  - p50/p95 latency of `periksa` (check) and of a cached PDF render under 30 concurrent users;
#  - the server's peak memory (VmHWM).
# The load comes from a second process (python3, one thread per user, keep-alive connections)
# on loopback only; every loop is bounded.
#
# Usage: bench/service.sh [ROUNDS]      (RENJA_BIN=path/to/renja to choose the binary;
#                                        default target/release/renja, built if missing)
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-4}
BIN=${RENJA_BIN:-target/release/renja}
if [ ! -x "$BIN" ]; then
  cargo build --release --bin renja
fi
WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

start() { # start DATA WORKERS → sets URL, PID, ACCOUNTS file
  local data=$1 workers=$2
  "$BIN" serve --contoh --data "$data" --listen 127.0.0.1:0 --render-workers "$workers" --render-queue 64 >"$data.out" 2>"$data.err" &
  PID=$!
  PIDS+=("$PID")
  for _ in $(seq 1 200); do
    if grep -q '^Layanan renja: ' "$data.out" 2>/dev/null; then break; fi
    sleep 0.05
  done
  URL=$(sed -n 's/^Layanan renja: \(http:\/\/[^/]*\)\/api\/v1\/$/\1/p' "$data.out")
  [ -n "$URL" ] || { cat "$data.err"; exit 1; }
}

LOAD=$(cat <<'PY'
import http.client, json, sys, threading, time, urllib.parse, statistics
mode, base, accounts_file = sys.argv[1], sys.argv[2], sys.argv[3]
rounds = int(sys.argv[4])
acc = {}
for line in open(accounts_file):
    w = line.split()
    if len(w) == 3 and w[0] in ("penyusun", "admin", "verifikator", "penandatangan"):
        acc[w[0]] = w[2]
host = urllib.parse.urlparse(base).netloc

def conn():
    return http.client.HTTPConnection(host, timeout=600)

def req(c, method, path, body=None, cookie=None):
    h = {"Content-Type": "application/json"}
    if cookie: h["Cookie"] = cookie
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
eid, head = ed["id"], ed["kepala"]

def run_users(users, per_user, path):
    lat = []
    lock = threading.Lock()
    def user():
        cc = conn()
        for _ in range(per_user):
            t = time.perf_counter()
            s, _, _ = req(cc, "GET", path, cookie=cookie)
            d = time.perf_counter() - t
            assert s == 200, s
            with lock: lat.append(d)
    ts = [threading.Thread(target=user) for _ in range(users)]
    t0 = time.perf_counter()
    for t in ts: t.start()
    for t in ts: t.join()
    wall = time.perf_counter() - t0
    lat.sort()
    q = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))] * 1000
    return q(0.50), q(0.95), len(lat) / wall

if mode == "throughput":
    # `rounds` new revisions (a different sentence in the closing chapter each), then PDF + DOCX of
    # each requested at once: every render is a cache miss.
    st, _, data = req(c, "GET", f"/api/v1/edisi/{eid}/revisi/{head}/berkas/bab/04-penutup.md", cookie=cookie)
    text = data.decode()
    revs, base_rev = [], head
    for i in range(rounds):
        st, _, data = req(c, "POST", f"/api/v1/edisi/{eid}/revisi", {"dasar": base_rev, "pesan": f"bench {i}", "berkas": {"bab/04-penutup.md": text + f"\nKalimat uji {i}.\n"}}, cookie=cookie)
        assert st == 201, data
        base_rev = json.loads(data)["revisi"]["id"]
        revs.append(base_rev)
    paths = [f"/api/v1/edisi/{eid}/revisi/{r}/susun/{f}" for r in revs for f in ("pdf", "docx")]
    errs = []
    def one(p):
        cc = conn()
        s, _, _ = req(cc, "GET", p, cookie=cookie)
        if s != 200: errs.append(s)
    ts = [threading.Thread(target=one, args=(p,)) for p in paths]
    t0 = time.perf_counter()
    for t in ts: t.start()
    for t in ts: t.join()
    wall = time.perf_counter() - t0
    assert not errs, errs
    print(f"{len(paths)} {wall:.2f} {len(paths)/wall:.2f}")
elif mode == "latency":
    p50c, p95c, rc = run_users(30, rounds * 5, f"/api/v1/edisi/{eid}/revisi/{head}/periksa")
    req(c, "GET", f"/api/v1/edisi/{eid}/revisi/{head}/susun/pdf", cookie=cookie)  # warm the cache
    p50r, p95r, rr = run_users(30, rounds * 5, f"/api/v1/edisi/{eid}/revisi/{head}/susun/pdf")
    print(f"{p50c:.1f} {p95c:.1f} {rc:.1f} {p50r:.1f} {p95r:.1f} {rr:.1f}")
PY
)

echo "renja serve benchmark ($BIN, $(nproc) cores, rounds=$ROUNDS)"
for W in 1 2; do
  start "$WORK/data-w$W" "$W"
  read -r N WALL RATE < <(python3 -c "$LOAD" throughput "$URL" "$WORK/data-w$W.out" "$ROUNDS")
  HWM=$(awk '/VmHWM/ {print $2}' "/proc/$PID/status")
  printf '| render, cache cold, %d worker(s) | %s renders (PDF+DOCX) in %s s | %s renders/s | peak RSS %d MB |\n' "$W" "$N" "$WALL" "$RATE" $((HWM / 1024))
  kill "$PID"; wait "$PID" 2>/dev/null || true
done
start "$WORK/data-lat" 2
read -r P50C P95C RC P50R P95R RR < <(python3 -c "$LOAD" latency "$URL" "$WORK/data-lat.out" "$ROUNDS")
HWM=$(awk '/VmHWM/ {print $2}' "/proc/$PID/status")
printf '| periksa (check), 30 users | p50 %s ms | p95 %s ms | %s req/s |\n' "$P50C" "$P95C" "$RC"
printf '| cached PDF render, 30 users | p50 %s ms | p95 %s ms | %s req/s |\n' "$P50R" "$P95R" "$RR"
printf '| server peak RSS after the latency runs | %d MB |\n' $((HWM / 1024))
echo "Reference point: Carbone publishes 5-20 PDF renders/s per instance."

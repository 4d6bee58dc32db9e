# Render throughput against worker count (issue #19): a fresh database in the cluster at
# BASE_URL (postgres://user@host:port, no database), `serve --contoh --workers 0`, N `renja
# worker`s, 6 distinct draft renders (2 sample editions x pdf/docx/json) requested at once; prints
# the wall time until all are answered. Usage: python3 tests/support/bench_workers.py BASE_URL N
# (after `cargo test --test service --no-run` built target/debug/renja).
import json, os, re, subprocess, sys, tempfile, threading, time, requests
base_url = sys.argv[1]  # postgres://renja@127.0.0.1:PORT
n = int(sys.argv[2])
root = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
renja = root + "/target/debug/renja"
db = f"renja_bench_{n}_{os.getpid()}"
subprocess.run(["psql", "-X", "-q", base_url + "/postgres", "-c", f"CREATE DATABASE {db}"], check=True)
url = f"{base_url}/{db}"
data = tempfile.mkdtemp()
srv = subprocess.Popen([renja, "serve", "--contoh", "--data", data, "--database", url, "--workers", "0", "--listen", "127.0.0.1:0"], cwd=root, stdout=subprocess.PIPE, text=True)
acc = {}
while True:
    line = srv.stdout.readline()
    m = re.match(r"\s+(\w+)\s+\w+\s+(\S+)$", line)
    if m: acc[m.group(1)] = m.group(2)
    if line.startswith("Layanan renja: "):
        base = line.split()[-1].rstrip("/").removesuffix("/api/v1"); break
threading.Thread(target=lambda: [None for _ in srv.stdout], daemon=True).start()
s = requests.Session()
r = s.post(base + "/api/v1/sesi", json={"login": "penyusun", "sandi": acc["penyusun"]}); r.raise_for_status()
eds = s.get(base + "/api/v1/edisi").json()
urls = []
for e in eds[:2]:
    for f in ["pdf", "docx", "json"]:
        urls.append(f"{base}/api/v1/edisi/{e['id']}/revisi/{e['kepala']}/susun/{f}")
workers = [subprocess.Popen([renja, "worker", "--database", url], cwd=root, stdout=subprocess.DEVNULL) for _ in range(n)]
time.sleep(1.0)
res = {}
def get(u):
    t = time.time(); r = s.get(u, headers={"Origin": base}); res[u] = (r.status_code, time.time() - t, len(r.content))
t0 = time.time()
ts = [threading.Thread(target=get, args=(u,)) for u in urls]
[t.start() for t in ts]; [t.join() for t in ts]
wall = time.time() - t0
for w in workers: w.kill()
srv.kill(); srv.wait()
import shutil; shutil.rmtree(data, ignore_errors=True)
print(json.dumps({"workers": n, "renders": len(urls), "wall_s": round(wall, 1), "renders_per_min": round(60 * len(urls) / wall, 2), "status": sorted(v[0] for v in res.values())}))

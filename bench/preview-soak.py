"""Soak test of `renja preview`: EDITS consecutive saves (valid narrative and pagu edits, broken
TOML, broken front matter, a broken layout expression, each broken state fixed later), waiting
after each for the server to publish a new version (/status). Records VmRSS (/proc/PID/status)
after the first 10 edits and at the end; fails if the server died, if the final state has
errors, or if RSS at the end exceeds 1.5x RSS after 10 edits.
Usage: python3 preview-soak.py PID URL EDITION_DIR LAYOUTS_DIR EDITS OUT_JSON
"""
import json, os, sys, time, urllib.request

pid, url, ed, layouts, edits, out = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]), sys.argv[6]


def status():
    with urllib.request.urlopen(url + "status", timeout=30) as r:
        return json.load(r)


def rss_kib():
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise SystemExit("server process gone")


def save(path, text):
    tmp = os.path.join(os.path.dirname(path), "." + os.path.basename(path) + ".tmp-soak")
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


chapter = os.path.join(ed, "bab", "01-pendahuluan.md")
data = os.path.join(ed, "data", "rencana.toml")
layout = os.path.join(layouts, "renja.typ")
orig = {p: open(p).read() for p in (chapter, data, layout)}
assert "Adapun dokumen" in orig[chapter] and "pagu_sebelum = 97020000" in orig[data] and "#let e = m.edisi" in orig[layout]


def plan(k):
    """The k-th edit: (file, new text, expect errors?). Every 5th edit breaks something that
    the next edit repairs."""
    r = k % 10
    if r == 3:
        return data, orig[data].replace("pagu_sebelum = 97020000", "pagu_sebelum = 97020000x", 1), True
    if r == 7:
        return chapter, orig[chapter].replace("+++\njenis", "+++\njenis = =", 1), True
    if r == 9 and (k // 10) % 3 == 0:
        return layout, orig[layout].replace("#let e = m.edisi", "#let e = m.edisi.tidak_ada", 1), True
    if r in (0, 4, 8):
        # Restore everything to good, with a different narrative word each time.
        save(layout, orig[layout])
        save(data, orig[data].replace("pagu_sebelum = 97020000", f"pagu_sebelum = {97020000 + k}", 1))
        return chapter, orig[chapter].replace("Adapun dokumen", f"Kata{k} dokumen", 1), False
    if r in (1, 5):
        save(layout, orig[layout])
        save(chapter, orig[chapter])
        return data, orig[data].replace("pagu_sebelum = 97020000", f"pagu_sebelum = {97020000 + 7 * k}", 1), False
    save(layout, orig[layout])
    save(data, orig[data])
    return chapter, orig[chapter].replace("Adapun dokumen", f"Soak{k} dokumen", 1), False


st = status()
start = time.time()
while st["page_count"] == 0:
    time.sleep(0.1)
    st = status()
    if time.time() - start > 120:
        raise SystemExit("no first view")
rss10 = None
invalid = 0
t0 = time.time()
for k in range(edits):
    v = st["version"]
    path, text, bad = plan(k)
    save(path, text)
    start = time.time()
    while True:
        time.sleep(0.01)
        st = status()
        if st["version"] > v and (bool(st["errors"]) == bad):
            break
        if time.time() - start > 30:
            raise SystemExit(f"edit {k}: no matching update within 30 s; status {st}")
    invalid += bad
    if k + 1 == 10:
        rss10 = rss_kib()
for p, t in orig.items():
    save(p, t)
time.sleep(1.0)
st = status()
rss_end = rss_kib()
res = {"edits": edits, "invalid_edits": invalid, "compiles": st["compiles"], "seconds": time.time() - t0,
       "rss_after_10_kib": rss10, "rss_end_kib": rss_end, "ratio": rss_end / rss10, "final_errors": len(st["errors"])}
json.dump(res, open(out, "w"))
print(json.dumps(res))
if st["errors"]:
    raise SystemExit("final state has errors")
if rss_end > 1.5 * rss10:
    raise SystemExit(f"RSS grew {rss_end / rss10:.2f}x (limit 1.5x)")

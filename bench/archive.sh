#!/usr/bin/env bash
# Benchmark of the archive, release build, hyperfine (whole-process wall time incl. start-up):
#   1. `renja archive add` of the sample into a fresh archive (database created, every object
#      written and fsynced), after `renja build --final` (the built PDF is reused) and without a
#      built PDF (laid out in memory): median of 10 runs after 2 warm-ups each, next to
#      `renja build --final` (the same PDF and DOCX, written to disk).
#   2. `renja archive list` over 1.000 archived editions: median of 30 runs after 3 warm-ups.
#   3. `renja archive verify` over the same 1.000 editions (informational).
# The 1.000 editions are synthetic: the sample is added once for real, then its `edisi` row and
# its 16 `berkas` rows are copied 999 times by SQL (Python's sqlite3) with other years, revisions,
# OPD keys and ids — same shape and size of rows as real adds, the objects shared. `verify` stays
# clean on the result (checked below). Results go to bench/results/ (not in git).
# RENJA_BIN=path uses that binary instead of building (several work trees share one target dir).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine; }
if [ -z "${RENJA_BIN:-}" ]; then
  cargo build --release --quiet
  bin="${CARGO_TARGET_DIR:-target}/release/renja"
else
  bin="$RENJA_BIN"
fi
bin=$(realpath "$bin")
mkdir -p bench/results
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# 1. add, in the two situations a user meets, next to `renja build --final` of the same sample:
#    a. after `renja build --final` (out/ beside the edition holds the final PDF, which records the
#       fingerprint of its sources): add reuses that PDF; it builds the DOCX and JSON and stores.
#    b. with no built PDF anywhere: add lays the PDF out itself.
#    Each edition copy has its own layouts/ and fonts/; the current folder is an empty one, so no
#    stray out/ of the repository is picked up.
for d in a b; do
  mkdir -p "$work/$d"
  cp -r content layouts fonts "$work/$d/"
done
mkdir -p "$work/cwd"
"$bin" build --final --format pdf -o "$work/a/out" "$work/a/content" >/dev/null 2>&1
(cd "$work/cwd" && hyperfine --warmup 2 --runs 10 -N \
  --prepare "rm -rf $work/add-a $work/add-b $work/out" \
  --export-json "$OLDPWD/bench/results/archive-add.json" \
  -n "archive add (after build --final)" "$bin archive --arsip $work/add-a add $work/a/content" \
  -n "archive add (no built PDF)" "$bin archive --arsip $work/add-b add $work/b/content" \
  -n "build --final" "$bin build --final -o $work/out $work/b/content")

# 2. list over 1.000 editions
"$bin" archive --arsip "$work/big" add content >/dev/null 2>&1
python3 - "$work/big/arsip.db" <<'PY'
import sqlite3, sys, hashlib
db = sqlite3.connect(sys.argv[1])
cols = [r[1] for r in db.execute("PRAGMA table_info(edisi)")]
(row,) = db.execute("SELECT * FROM edisi").fetchall()
base = dict(zip(cols, row))
files = db.execute("SELECT path, sha256, size, kind FROM berkas WHERE edisi = ?", (base["id"],)).fetchall()
opds = ["2.07.3.32.00.02.00.00", "1.01.0.00.0.00.01.0000", "1.02.0.00.0.00.02.0000", "3.27.0.00.0.00.03.0000"]
n = 0
with db:
    for i in range(1, 1000):
        e = dict(base)
        e["tahun"] = 2000 + i % 25
        e["jenis"] = "murni" if i % 2 else "perubahan"
        e["revisi"] = 10 + i // 100  # the real row has revisi 1
        e["opd_kunci"] = "kabupaten Paser/" + opds[i % 4]
        # Same files, so the same manifest (verify checks it); a distinct id suffix.
        e["id"] = f"{e['tahun']}-{e['jenis']}-r{e['revisi']}-{hashlib.sha256(f'synthetic {i}'.encode()).hexdigest()[:8]}"
        db.execute(f"INSERT INTO edisi ({','.join(cols)}) VALUES ({','.join('?' * len(cols))})", [e[c] for c in cols])
        db.executemany("INSERT INTO berkas (edisi, path, sha256, size, kind) VALUES (?, ?, ?, ?, ?)", [(e["id"], *f) for f in files])
        n += 1
print(f"{n + 1} editions, {db.execute('SELECT COUNT(*) FROM berkas').fetchone()[0]} file rows")
PY
test "$("$bin" archive --arsip "$work/big" list | tail -n +2 | wc -l)" -eq 1000
hyperfine --warmup 3 --runs 30 -N \
  --export-json bench/results/archive-list.json \
  "$bin archive --arsip $work/big list"

# 3. verify over 1.000 editions (every row checked; shared objects hashed once)
hyperfine --warmup 1 --runs 5 -N \
  --export-json bench/results/archive-verify.json \
  "$bin archive --arsip $work/big verify"

python3 - "$work" "$bin" <<'PY'
import json, sys
work, binary = sys.argv[1], sys.argv[2]
for name in ["add", "list", "verify"]:
    for x in json.load(open(f"bench/results/archive-{name}.json"))["results"]:
        cmd = x["command"].replace(binary, "renja").replace(work, "$TMP")
        print(f"{cmd}: median {x['median']*1000:.1f} ms (min {x['min']*1000:.1f}, max {x['max']*1000:.1f}, n={len(x['times'])})")
PY

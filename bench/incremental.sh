#!/usr/bin/env bash
# Read + check time of the live preview after one edit, incremental (`Edition::load_cached`:
# only changed files parsed again, tables computed again only after a data edit) against
# reading and checking from scratch (`RENJA_PREVIEW_COLD=1`, `Edition::load`, as before issue
# #21), on the sample and on generated editions (bench/gen-edition.py). For each edition and
# mode, `renja preview` runs with RENJA_PREVIEW_TIMING=1 (no browser: the file watcher triggers
# the compiles); N one-word edits of a chapter and N edits of one sub kegiatan's pagu in data/rencana.toml
# (the word and the pagu bench/preview-latency.mjs edits) are
# saved one at a time, each after the previous compile finished, and the preview's own timing
# line gives the read+check time and its stages (read, validate, compute, document model).
#
# Environment: SIZES (default "1 16"), N (default 15), PROFILE (release | debug; default
# release), SKIP_BUILD=1 to use the binary as it is.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=${SIZES:-"1 16"}
N=${N:-15}
PROFILE=${PROFILE:-release}
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  if [ "$PROFILE" = release ]; then cargo build --release --quiet; else cargo build --quiet; fi
fi
bin=$(realpath "${CARGO_TARGET_DIR:-target}/$PROFILE/renja")
work=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
cp -r layouts fonts "$work/"
mkdir -p bench/results
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for f in $SIZES; do
  for mode in cold incremental; do
    ed="$work/x$f-$mode"
    rm -rf "$ed"
    python3 bench/gen-edition.py "$f" "$ed" content >/dev/null
    if [ "$mode" = cold ]; then export RENJA_PREVIEW_COLD=1; else unset RENJA_PREVIEW_COLD; fi
    RENJA_PREVIEW_TIMING=1 "$bin" preview "$ed" --port 0 > "$work/out" 2> "$work/err" &
    pid=$!
    python3 - "$ed" "$work/err" "$N" "x$f" "$mode" "bench/results/incremental-x$f-$mode.json" <<'PY'
import json, re, sys, time
ed, err, n, size, mode, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6]
line = re.compile(r"baca\+periksa ([\d.]+) ms \(baca ([\d.]+), validasi ([\d.]+), hitung ([\d.]+), dokumen ([\d.]+); urai ulang (\d+)\)(?: \[tabel ([\d.]+), konteks ([\d.]+)\])?")
def lines():
    return [m for m in (line.search(l) for l in open(err, errors="replace")) if m]
def wait(count):
    t = time.time()
    while time.time() - t < 300:
        ls = lines()
        if len(ls) >= count:
            return ls[count - 1]
        time.sleep(0.05)
    raise SystemExit(f"no compile {count} within 300 s:\n" + open(err).read()[-2000:])
wait(1)
# A few edits first, so both modes are warm (typst caches, page cache).
bab = f"{ed}/bab/01-pendahuluan.md"
ren = f"{ed}/data/rencana.toml"
def edit(path, old, new):
    s = open(path).read()
    assert old in s, (path, old)
    open(path, "w").write(s.replace(old, new, 1))
results = {"word": [], "pagu": []}
word, pagu = "tersebut", 97020000
count = 1
for i in range(n + 2):
    for kind in ("word", "pagu"):
        if kind == "word":
            new = f"kata{i}"
            edit(bab, f"Menindaklanjuti hal {word}", f"Menindaklanjuti hal {new}")
            word = new
        else:
            edit(ren, f"pagu_sebelum = {pagu}", f"pagu_sebelum = {pagu + 1000}")
            pagu += 1000
        count += 1
        m = wait(count)
        if i >= 2:
            results[kind].append([float(m.group(k)) for k in range(1, 6)] + [int(m.group(6))] + [float(m.group(k) or 0) for k in (7, 8)])
        time.sleep(0.3)
def med(xs):
    xs = sorted(xs); return xs[len(xs) // 2]
for kind, rows in results.items():
    tot = [r[0] for r in rows]
    stages = " ".join(f"{name} {med([r[k] for r in rows]):.1f}" for k, name in ((1, "read"), (2, "validate"), (3, "compute"), (4, "document")))
    print(f"{size:5s} {mode:11s} {kind:5s} n={len(rows):3d} read+check median {med(tot):7.1f} ms (min {min(tot):.1f}, max {max(tot):.1f}); {stages}; files parsed again {med([r[5] for r in rows])}; of the document stage: tables made {med([r[6] for r in rows]):.1f}, context made {med([r[7] for r in rows]):.1f}")
json.dump(results, open(out, "w"))
PY
    kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
  done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

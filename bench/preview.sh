#!/usr/bin/env bash
# Benchmark of `renja preview` (release build): latency from saving a file to the browser
# receiving the whole update, in real headless chromium (not a stand-in client), over N mixed
# edits (default 120: narrative words, pagu values, targets, a new sub kegiatan row, a deleted
# row; random order, fixed seed; bench/preview-latency.mjs) on the sample and on editions
# generated from it with ×4 and ×16 sub kegiatan (bench/gen-edition.py). Reports, per edition
# and per kind of edit, p50, p95, p99, max and min, and the load average before and after.
#
# Environment: N (edits per edition), SIZES (default "1 4 16"), SEED, COMPARE=1 to also run
# each edition with the old cache policy (`comemo::evict(10)` after every compile) in the same
# run, BASELINE=1 to also time the PyPI `typst` Compiler (warm, like `typst watch`) after the
# same word and pagu edits of the sample (bench/typst-recompile.py), BASE_BINARY=path to also
# run each edition with another `renja` binary (e.g. a build of the main branch) in the same
# run, as "base" next to this tree's "new" (NEW_FIRST=1 runs "new" first); BASE_LAYOUTS=folder gives it the layouts of its own
# version (default: this tree's), in a folder of its own next to its copy of the edition.
# Needs: chromium, node + `npm ci` in tests/e2e (python3 with `typst` for BASELINE).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-120}
SIZES=${SIZES:-"1 4 16"}
SEED=${SEED:-20261201}
[ -d tests/e2e/node_modules/playwright-core ] || (cd tests/e2e && npm ci --silent)
source bench/preview-common.sh
results=()

for f in $SIZES; do
  ed="$work/x$f"
  python3 bench/gen-edition.py "$f" "$ed" content >/dev/null
  # Register in the nomenclature the codes that `new` edits give their rows (after the last sub
  # kegiatan of kegiatan 2.07.01.2.01, in tree order), so a new row is a valid edit.
  python3 - "$ed/data/nomenklatur.toml" "$N" <<'PY'
import re, sys
p, n = sys.argv[1], int(sys.argv[2])
s = open(p).read()
last = list(re.finditer(r'\[\[nomenklatur\]\]\nkode = "2\.07\.01\.2\.01\.\d{4}"\nnama = "[^"]*"\n', s))[-1]
add = "".join(f'\n[[nomenklatur]]\nkode = "2.07.01.2.01.{9001 + k}"\nnama = "Sub Kegiatan Tambahan {k + 1}"\n' for k in range(n))
open(p, "w").write(s[:last.end()] + add + s[last.end():])
PY
  "$bin" check "$ed" > /dev/null 2>&1 || { "$bin" check "$ed" | tail -5; echo "the generated edition ×$f does not pass check"; exit 1; }
  order="${BASE_BINARY:+base} new ${COMPARE:+old}"
  # NEW_FIRST=1: this tree's binary before the base one, to tell an ordering effect (the load
  # rising during a run) from a real difference.
  [ "${NEW_FIRST:-0}" = 1 ] && order="new ${BASE_BINARY:+base} ${COMPARE:+old}"
  for policy in $order; do
    if [ "$policy" = old ]; then export RENJA_PREVIEW_EVICT=10; else unset RENJA_PREVIEW_EVICT; fi
    run_ed=$ed
    if [ "$policy" = base ]; then
      run_bin=$(realpath "$BASE_BINARY")
      # The base binary finds layouts/ next to the edition first (renja_core::source::Assets).
      rm -rf "$work/base"; mkdir -p "$work/base"
      cp -r "$ed" "$work/base/"; cp -r "${BASE_LAYOUTS:-layouts}" "$work/base/layouts"; cp -r fonts "$work/base/"
      run_ed="$work/base/$(basename "$ed")"
    else
      run_bin=$bin
    fi
    out="bench/results/preview-x$f-$policy.json"
    load0=$(cut -d' ' -f1-3 /proc/loadavg)
    this_bin=$bin; bin=$run_bin
    start_preview "$run_ed"
    bin=$this_bin
    node bench/preview-latency.mjs "$url" "$run_ed" "$N" "$out" "$SEED"
    rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
    kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
    # With RENJA_PREVIEW_TIMING=1, the server's timing lines of this run.
    [ -n "${RENJA_PREVIEW_TIMING:-}" ] && cp "$work/preview.err" "bench/results/preview-x$f-$policy.err"
    load1=$(cut -d' ' -f1-3 /proc/loadavg)
    python3 - "$out" "$load0" "$load1" "$rss" <<'PY'
import json, sys
p, l0, l1, rss = sys.argv[1:]
r = json.load(open(p)); r["load"] = [l0, l1]; r["rss_kib"] = int(rss)
json.dump(r, open(p, "w"))
PY
    results+=("x$f:$policy:$out")
  done
  unset RENJA_PREVIEW_EVICT
done

python3 - "${results[@]}" <<'PY'
import json, sys
def pct(xs, p):
    xs = sorted(xs); k = (len(xs) - 1) * p / 100; f = int(k); c = min(f + 1, len(xs) - 1)
    return xs[f] + (xs[c] - xs[f]) * (k - f)
print("renja preview: save → browser has received the whole update (ms), headless chromium")
print(f"{'edition':8s} {'policy':6s} {'kind':7s} {'n':>4s} {'p50':>7s} {'p95':>7s} {'p99':>7s} {'max':>7s} {'min':>7s}  pages(med)")
for spec in sys.argv[1:]:
    size, policy, path = spec.split(":", 2)
    r = json.load(open(path))
    edits = r["edits"]
    for kind in ("all", "word", "pagu", "target", "new", "delete"):
        xs = [e["received"] for e in edits if kind == "all" or e["kind"] == kind]
        if not xs:
            continue
        pages = sorted(e["pages"] for e in edits if kind == "all" or e["kind"] == kind)[len(xs) // 2]
        print(f"{size:8s} {policy:6s} {kind:7s} {len(xs):4d} {pct(xs,50):7.1f} {pct(xs,95):7.1f} {pct(xs,99):7.1f} {max(xs):7.1f} {min(xs):7.1f}  {pages}")
    print(f"{'':8s} load average {r['load'][0]} → {r['load'][1]}; server VmRSS at the end {r['rss_kib'] // 1024} MiB; seed {r['seed']}")
PY

if [ "${BASELINE:-0}" = 1 ]; then
  python3 -c "import typst" 2>/dev/null || pip install -q "typst==0.15.*"
  # The model JSON after each edit (exported now, not timed), then the warm typst Compiler.
  export_series() { # kind file from make-replacement-fn
    local kind=$1 file=$2 from=$3; shift 3
    local d="$work/json-$kind"; mkdir -p "$d"
    cp "$work/content/$file" "$work/orig"
    "$bin" export --json "$work/content" > "$d/base.json" 2>/dev/null
    for k in $(seq 0 29); do
      local to; to=$("$@" "$k")
      python3 - "$work/orig" "$work/content/$file" "$from" "$to" <<'PY'
import sys; o, f, a, b = sys.argv[1:]; s = open(o).read(); assert a in s; open(f, "w").write(s.replace(a, b, 1))
PY
      "$bin" export --json "$work/content" > "$d/edit-$(printf %03d "$k").json" 2>/dev/null
    done
    cp "$work/orig" "$work/content/$file"
  }
  word() { local w=(Maka Oleh Kini Jadi Pun); echo "${w[$(( $1 % 5 ))]}$1 dokumen"; }
  pagu() { echo "pagu_sebelum = $(( 97020000 + 1000 * ($1 + 1) ))"; }
  export_series narrative bab/01-pendahuluan.md "Adapun dokumen" word
  export_series data data/rencana.toml "pagu_sebelum = 97020000" pagu
  mkdir -p "$work/bare"; cp -r layouts "$work/bare/layouts"
  python3 bench/typst-recompile.py "$work/bare" "$PWD/fonts" bench/results/typst-recompile.json \
    "narrative:$work/json-narrative" "data:$work/json-data" \
    "narrative-rows:$work/json-narrative:pratinjau" "data-rows:$work/json-data:pratinjau"
fi

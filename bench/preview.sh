#!/usr/bin/env bash
# Benchmark of `renja preview` (release build) on a temporary copy of the sample: latency from
# saving a file to the browser receiving the update, in real headless chromium (not a stand-in
# client): N edits of one narrative word (chapter I) and N edits of one pagu value
# (data/rencana.toml); p50 and p95. In the same run, the "typst watch" baseline: the PyPI
# `typst` 0.15 Compiler (keeps its World and cache between compiles) recompiling the same layout
# to SVG after the same edits (bench/typst-recompile.py), once with the tables drawn for print
# (what `renja build` lays out) and once drawn row by row (what `renja preview` lays out).
# Needs: chromium, node + `npm ci` in tests/e2e, python3 with `typst`. N defaults to 30.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-30}
python3 -c "import typst" 2>/dev/null || pip install -q "typst==0.15.*"
[ -d tests/e2e/node_modules/playwright-core ] || (cd tests/e2e && npm ci --silent)
source bench/preview-common.sh

# --- typst baseline inputs: the model JSON after each edit (exported now, not timed) ---------
export_series() { # kind file from make-replacement-fn
  local kind=$1 file=$2 from=$3; shift 3
  local d="$work/json-$kind"; mkdir -p "$d"
  cp "$work/content/$file" "$work/orig"
  "$bin" export --json "$work/content" > "$d/base.json" 2>/dev/null
  for k in $(seq 0 $((N - 1))); do
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

# --- renja preview in chromium --------------------------------------------------------------
start_preview
node bench/preview-latency.mjs "$url" "$work/content" "$N" bench/results/preview-latency.json
kill "$pid"; wait "$pid" 2>/dev/null || true; pid=

# --- typst baseline, same machine, same run -------------------------------------------------
mkdir -p "$work/bare"; cp -r layouts "$work/bare/layouts"
python3 bench/typst-recompile.py "$work/bare" "$PWD/fonts" bench/results/typst-recompile.json \
  "narrative:$work/json-narrative" "data:$work/json-data" \
  "narrative-rows:$work/json-narrative:pratinjau" "data-rows:$work/json-data:pratinjau"

python3 - <<'PY'
import json, statistics
r = json.load(open("bench/results/preview-latency.json"))
t = json.load(open("bench/results/typst-recompile.json"))
def pct(xs, p):
    xs = sorted(xs); k = (len(xs) - 1) * p / 100; f = int(k); c = min(f + 1, len(xs) - 1)
    return xs[f] + (xs[c] - xs[f]) * (k - f)
print(f"renja preview, save → browser receives the update (headless chromium), {len(r['narrative']['received'])} edits each:")
for kind in ("narrative", "data"):
    x = r[kind]
    print(f"  {kind:9s} received p50 {pct(x['received'],50):6.1f} ms  p95 {pct(x['received'],95):6.1f} ms"
          f"   | applied p50 {pct(x['applied'],50):6.1f} ms  p95 {pct(x['applied'],95):6.1f} ms"
          f"   | pages sent median {statistics.median(x['pages'])}")
print(f"typst (PyPI typst 0.15 Compiler, warm) recompile of the same layout to SVG after the same edits ({t['pages']} pages; cold {t['cold_ms']:.0f} ms):")
for kind, what in (("narrative", "tables drawn for print"), ("data", "tables drawn for print"),
                   ("narrative-rows", "tables drawn row by row, as renja preview has them"),
                   ("data-rows", "tables drawn row by row, as renja preview has them")):
    name = kind.split("-")[0]
    print(f"  {name:9s} p50 {pct(t[kind],50):6.1f} ms  p95 {pct(t[kind],95):6.1f} ms   ({what})")
PY

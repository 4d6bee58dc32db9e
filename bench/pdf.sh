#!/usr/bin/env bash
# Benchmark: cold `renja build --format pdf` (release build, a fresh process per run: read
# sources, check, compute, lay out, export PDF/A-2b, write), side by side in the same hyperfine
# run with a bare typst compile of the same layout through the PyPI `typst` package (the same
# compiler, 0.15; PDF/A-2b, same fonts, no system fonts), on the sample and on generated larger
# editions (bench/gen-edition.py; SIZES, default "1 16").
#
# Bare typst reads exactly what renja's layout reads (renja_pdf::LayoutInput): /model.json, the
# model without the raw computed data and the placed tables (`renja export --json` minus `data`
# and `tabel`, plus `pratinjau: false`, compact), and /tabel/<id>.json per table (the page
# counts of both PDFs are compared, so a layout that fails on a key missing from it shows), not the
# whole pretty-printed export. Python is called by its real interpreter path (sys.executable),
# not through a pyenv shim, and its own start-up (`python -c pass`, same hyperfine run) is
# subtracted from the bare-typst time; `import typst` is reported separately (it loads typst's
# native library, which renja's own start-up also does).
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=${SIZES:-"1 16"}
RUNS=${RUNS:-10}
command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine; }
py=$(python3 -c 'import sys; print(sys.executable)')
"$py" -c "import typst" 2>/dev/null || "$py" -m pip install -q "typst==0.15.*"
cargo build --release --quiet
bin=$(realpath "${CARGO_TARGET_DIR:-target}/release/renja")
mkdir -p bench/results
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r layouts fonts "$work/"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for f in $SIZES; do
  ed="$work/x$f"
  python3 bench/gen-edition.py "$f" "$ed" content >/dev/null
  rm -rf "$work/tabel"
  "$bin" export --json "$ed" 2>/dev/null | "$py" -c '
import json, os, sys
m = json.load(sys.stdin, object_pairs_hook=dict)
# renja_pdf::layout_input: /model.json is `pratinjau` first, then every key of the export in its
# order but `data` and `tabel`; each placed table is /tabel/<id>.json.
view = {"pratinjau": False}
view.update((k, v) for k, v in m.items() if k not in ("data", "tabel"))
work = sys.argv[1]
os.makedirs(os.path.join(work, "tabel"), exist_ok=True)
for k, t in m["tabel"].items():
    with open(os.path.join(work, "tabel", k + ".json"), "w") as f:
        f.write(json.dumps(t, ensure_ascii=False, separators=(",", ":")))
sys.stdout.write(json.dumps(view, ensure_ascii=False, separators=(",", ":")))
' "$work" > "$work/model.json"
  cat > "$work/bare.py" <<PY
import sys, time, typst
t = time.perf_counter()
typst.compile("$work/layouts/renja.typ", output="$work/bare.pdf", root="$work",
              font_paths=["$work/fonts"], ignore_system_fonts=True, pdf_standards=["a-2b"])
# The compile alone (no interpreter start-up, no import), for the alternating runs below.
print(f"{(time.perf_counter() - t) * 1000:.1f}", file=sys.stderr)
PY
  hyperfine --warmup 2 --runs "$RUNS" -N --export-json "bench/results/pdf-x$f.json" \
    -n renja "$bin build $ed --format pdf -o $work/out" \
    -n bare "$py $work/bare.py" \
    -n import "$py -c 'import typst'" \
    -n python "$py -c pass" >/dev/null
  pages=$(pdfinfo "$work/out/"*.pdf 2>/dev/null | awk '/^Pages:/ {print $2}' || true)
  bare_pages=$(pdfinfo "$work/bare.pdf" 2>/dev/null | awk '/^Pages:/ {print $2}' || true)
  if [ -z "$pages" ] || [ "$pages" != "$bare_pages" ]; then
    echo "x$f: renja made ${pages:-no} pages, bare typst ${bare_pages:-no}: not the same layout" >&2
    exit 1
  fi
  "$py" - "bench/results/pdf-x$f.json" "$f" "${pages:-?}" "$(du -ck "$work/model.json" "$work"/tabel/*.json | tail -1 | cut -f1)" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
med = {k: v["median"] * 1000 for k, v in r.items()}
rng = {k: (min(v["times"]) * 1000, max(v["times"]) * 1000) for k, v in r.items()}
bare = med["bare"] - med["python"]
print(f"x{sys.argv[2]} ({sys.argv[3]} pages, layout JSON {sys.argv[4]} KiB):")
for k in ("renja", "bare", "import", "python"):
    print(f"  {k:7s} median {med[k]:7.1f} ms  (min {rng[k][0]:.1f} – max {rng[k][1]:.1f})")
print(f"  bare typst without the interpreter's start-up: {bare:.1f} ms; ratio renja / that: {med['renja'] / bare:.2f}"
      f"  (without import typst too: {med['renja'] / (med['bare'] - med['import']):.2f})")
PY
  # The same two, alternating (renja, bare, renja, bare, …): the machine's speed drifts over a
  # hyperfine block of one command, and alternating puts both under the same drift. renja is
  # timed as a whole process; bare typst as its compile call alone.
  for _ in $(seq "$RUNS"); do
    s=$(date +%s%N)
    "$bin" build "$ed" --format pdf -o "$work/out" >/dev/null 2>&1
    e=$(date +%s%N)
    echo "$(( (e - s) / 1000 )) $("$py" "$work/bare.py" 2>&1 >/dev/null)"
  done > "$work/alt.txt"
  "$py" - "$work/alt.txt" <<'PY'
import statistics, sys
pairs = [(float(a) / 1000, float(b)) for a, b in (l.split() for l in open(sys.argv[1]))]
r, b = [p[0] for p in pairs], [p[1] for p in pairs]
ratios = sorted(x / y for x, y in pairs)
print(f"  alternating, {len(pairs)} pairs: renja median {statistics.median(r):.0f} ms ({min(r):.0f} – {max(r):.0f}), "
      f"bare typst's compile median {statistics.median(b):.0f} ms ({min(b):.0f} – {max(b):.0f}); "
      f"ratio of medians {statistics.median(r) / statistics.median(b):.2f}, per-pair ratios {ratios[0]:.2f} – {ratios[-1]:.2f} (median {statistics.median(ratios):.2f})")
PY
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

#!/usr/bin/env bash
# Benchmark: cold `renja build --format pdf` of the sample (release build, a fresh process per
# run: read sources, check, compute, lay out, export PDF/A-2b, write), side by side in the same
# hyperfine run with a bare typst compile of the same layout and the same model JSON through the
# PyPI `typst` package (the same compiler, 0.15; also PDF/A-2b, same fonts, no system fonts).
# The bare-typst command includes the Python interpreter's start-up and import, reported too.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine; }
python3 -c "import typst" 2>/dev/null || pip install -q "typst==0.15.*"
cargo build --release --quiet
mkdir -p bench/results
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r layouts "$work/layouts"
target/release/renja export --json content > "$work/model.json" 2>/dev/null
cat > "$work/bare.py" <<PY
import typst
typst.compile("$work/layouts/renja.typ", output="$work/bare.pdf", root="$work",
              font_paths=["$PWD/fonts"], ignore_system_fonts=True, pdf_standards=["a-2b"])
PY
hyperfine --warmup 2 --runs 10 -N \
  --export-json bench/results/pdf.json \
  "target/release/renja build content --format pdf -o $work/out" \
  "python3 $work/bare.py" \
  "python3 -c 'import typst'"
python3 - <<'PY'
import json
r = {x["command"].split()[0] + (" bare" if "bare" in x["command"] else (" import" if "import" in x["command"] else "")): x for x in json.load(open("bench/results/pdf.json"))["results"]}
med = {k: v["median"] * 1000 for k, v in r.items()}
renja = med["target/release/renja"]; bare = med["python3 bare"]; imp = med["python3 import"]
print(f"renja build (PDF):        median {renja:.0f} ms")
print(f"bare typst (PyPI typst):  median {bare:.0f} ms  (of which Python start-up + import {imp:.0f} ms)")
print(f"ratio renja / bare typst: {renja / bare:.2f}   (vs bare minus interpreter start-up: {renja / (bare - imp):.2f})")
PY

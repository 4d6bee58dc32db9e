#!/usr/bin/env bash
# Benchmark: `renja build --format docx` of the sample (release build, a fresh process per run:
# sources, check, compute, DOCX, write), next to a Pandoc conversion of the same narrative (all
# chapter Markdown concatenated, pypandoc-binary's pandoc) as a reference point. hyperfine,
# 2 warm-up and 10 measured runs, medians.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine; }
python3 -c "import pypandoc" 2>/dev/null || pip install -q pypandoc-binary
pandoc=$(python3 -c "import pypandoc; print(pypandoc.get_pandoc_path())")
cargo build --release --quiet
mkdir -p bench/results
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat content/bab/*.md > "$work/narrative.md"
hyperfine --warmup 2 --runs 10 -N --export-json bench/results/docx.json \
  "target/release/renja build content --format docx -o $work/out" \
  "$pandoc $work/narrative.md -o $work/pandoc.docx"
python3 - <<'PY'
import json
for x in json.load(open("bench/results/docx.json"))["results"]:
    name = "renja build --format docx" if "renja" in x["command"] else "pandoc (narrative only)"
    print(f"{name}: median {x['median']*1000:.0f} ms (min {x['min']*1000:.0f}, max {x['max']*1000:.0f})")
PY

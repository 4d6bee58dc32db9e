#!/usr/bin/env bash
# Benchmark: Excel in and out (docs/excel.md). Whole-process wall time, a fresh process per run,
# hyperfine with 2 warm-up and 10 measured runs, medians.
#   1. `renja impor` (dry run: read, map, check, compare, prepare the new file) of a Tabel 3.4
#      workbook with 2.000 sub kegiatan rows (generated with openpyxl; their codes are added to
#      a copy's nomenclature). Target < 1 s.
#   2. `renja impor --tulis` of the same rows into the emptied table (the write included).
#   3. `renja build --format xlsx` of the sample (sources, check, compute, workbook, atomic
#      write). Target < 300 ms.
# PROFILE=debug uses the debug build (when a release build is not affordable).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine; }
python3 -c "import openpyxl" 2>/dev/null || python3 -m pip install -q openpyxl 2>/dev/null || python3 -m pip install -q --break-system-packages openpyxl
profile=${PROFILE:-release}
if [ "$profile" = release ]; then cargo build --release --quiet; else cargo build --quiet; fi
bin="target/$profile/renja"
mkdir -p bench/results
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r content "$work/ed"
"$bin" export --json content > "$work/model.json"
python3 tests/support/xlsx_gen.py rows 2000 "$work/model.json" "$work/2000.xlsx"
cat "$work/2000.xlsx.nomenklatur.toml" >> "$work/ed/data/nomenklatur.toml"
python3 - "$work/ed/data/rencana.toml" <<'PY'
import sys
p = sys.argv[1]
t = open(p).read()
open(p, "w").write(t[: t.index("\n[[baris]]") + 1])
PY
cp "$work/ed/data/rencana.toml" "$work/rencana.empty.toml"
"$bin" impor "$work/ed" "$work/2000.xlsx" --tabel rencana | tail -2
hyperfine --warmup 2 --runs 10 -N --export-json bench/results/xlsx-impor.json \
  "$bin impor $work/ed $work/2000.xlsx --tabel rencana"
hyperfine --warmup 2 --runs 10 -N --export-json bench/results/xlsx-impor-tulis.json \
  --prepare "cp $work/rencana.empty.toml $work/ed/data/rencana.toml" \
  "$bin impor $work/ed $work/2000.xlsx --tabel rencana --tulis"
hyperfine --warmup 2 --runs 10 -N --export-json bench/results/xlsx-build.json \
  "$bin build content --format xlsx -o $work/out"
python3 - <<'PY'
import json
for name, f in [("impor 2.000 baris (uji coba)", "xlsx-impor"), ("impor 2.000 baris --tulis", "xlsx-impor-tulis"), ("build --format xlsx (sampel)", "xlsx-build")]:
    x = json.load(open(f"bench/results/{f}.json"))["results"][0]
    print(f"{name}: median {x['median']*1000:.1f} ms (min {x['min']*1000:.1f}, max {x['max']*1000:.1f})")
PY

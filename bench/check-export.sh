#!/usr/bin/env bash
# Benchmark: `renja check` and `renja export --json` on the sample edition, release build.
# Median of 30 runs after 3 warm-up runs (hyperfine, Debian package), whole-process wall time
# including start-up. Results go to bench/results/ (not in git).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine; }
cargo build --release --quiet
mkdir -p bench/results
bin=target/release/renja
hyperfine --warmup 3 --runs 30 -N --ignore-failure \
  --export-json bench/results/check-export.json \
  "$bin check content" "$bin export --json content"
python3 - <<'PY'
import json
r = json.load(open("bench/results/check-export.json"))["results"]
for x in r:
    print(f"{x['command']}: median {x['median']*1000:.1f} ms (min {x['min']*1000:.1f}, max {x['max']*1000:.1f}, n={len(x['times'])})")
PY

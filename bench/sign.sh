#!/usr/bin/env bash
# Benchmark: `renja sign` of the final sample PDF (release build, a fresh process per run: read
# the PDF and the PKCS#12, decrypt the key, add the incremental update with the visible
# signature, hash, RSA-2048 sign, write). The PDF is built once; the test PKI comes from
# tests/support/pki.sh; the password comes from RENJA_PASSWORD, as for a user. Target: median
# under 100 ms.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine; }
command -v openssl >/dev/null || { apt-get update -qq && apt-get install -y -qq openssl; }
cargo build --release --quiet
mkdir -p bench/results
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Pinned copy: another build sharing the target directory cannot swap it during the runs.
cp target/release/renja "$work/renja"
renja="$work/renja"
export RENJA_PASSWORD="bench-sandi-$$"
PKI_PASSWORD="$RENJA_PASSWORD" bash tests/support/pki.sh "$work/pki" >/dev/null
"$renja" build --final content --format pdf -o "$work/out" >"$work/built" 2>/dev/null
pdf=$(grep '\.pdf$' "$work/built" | head -1)
[ -f "$pdf" ] || { echo "bench/sign.sh: the final PDF was not built" >&2; exit 1; }
signed="$work/signed.pdf"
# One run first, checked, so a broken signer is not timed.
"$renja" sign "$pdf" -o "$signed" --p12 "$work/pki/signer.p12" >/dev/null
"$renja" verify "$signed" >/dev/null
rm -f "$signed"
hyperfine --warmup 2 --runs 10 -N \
  --prepare "rm -f $signed" \
  --export-json bench/results/sign.json \
  "$renja sign $pdf -o $signed --p12 $work/pki/signer.p12"
python3 - "$pdf" <<'PY'
import json, os, sys
r = json.load(open("bench/results/sign.json"))["results"][0]
med = r["median"] * 1000
size = os.path.getsize(sys.argv[1]) / 1e6
print(f"renja sign ({size:.1f} MB final PDF, PKCS#12, RSA-2048): median {med:.1f} ms "
      f"(min {r['min'] * 1000:.1f}, max {r['max'] * 1000:.1f}, {len(r['times'])} runs); target < 100 ms: "
      + ("met" if med < 100 else "NOT met"))
# On a busy machine wall time includes waiting for a core; the CPU time does not.
print(f"CPU time per run (mean user + system): {(r['user'] + r['system']) * 1000:.1f} ms")
PY

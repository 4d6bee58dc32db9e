#!/usr/bin/env bash
# Soak: 500 consecutive edits of a temporary copy of the sample (valid and invalid: broken TOML,
# broken front matter, a broken layout expression) against `renja preview` (release build);
# the server must never exit, must recover, and its resident memory (VmRSS) after the 500 edits
# must stay within 1.5x of that after the first 10 edits (bench/preview-soak.py).
set -euo pipefail
cd "$(dirname "$0")/.."
EDITS=${EDITS:-500}
cargo build --release --quiet
bin=$(realpath "${CARGO_TARGET_DIR:-target}/release/renja")
mkdir -p bench/results
work=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
cp -r content layouts fonts "$work/"
"$bin" preview "$work/content" --port 0 > "$work/preview.out" 2> "$work/preview.err" &
pid=$!
for _ in $(seq 100); do grep -q http "$work/preview.out" 2>/dev/null && break; sleep 0.1; done
url=$(grep -o 'http://[^ ]*' "$work/preview.out")
python3 bench/preview-soak.py "$pid" "$url" "$work/content" "$work/layouts" "$EDITS" bench/results/preview-soak.json
kill -0 "$pid" && echo "server still running after $EDITS edits"

#!/usr/bin/env bash
# Soak: 500 consecutive edits of a temporary copy of the sample (valid and invalid: broken TOML,
# broken front matter, a broken layout expression) against `renja preview` (release build);
# the server must never exit, must recover, and its resident memory (VmRSS) after the 500 edits
# must stay within 1.5x of that after the first 10 edits (bench/preview-soak.py).
set -euo pipefail
cd "$(dirname "$0")/.."
EDITS=${EDITS:-500}
source bench/preview-common.sh
start_preview
python3 bench/preview-soak.py "$pid" "$url" "$work/content" "$work/layouts" "$EDITS" bench/results/preview-soak.json
kill -0 "$pid" && echo "server still running after $EDITS edits"

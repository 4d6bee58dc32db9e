#!/usr/bin/env bash
# Builds the browser code of `renja serve` (web/src) into OUT (default: assets/web/) with the npm
# packages exactly as locked in web/package-lock.json: `npm ci`, then esbuild. The output is
# committed; tests/web.rs (`committed_assets_match_the_build`) runs this script into a temporary
# folder and compares. Usage: web/build.sh [OUT]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-$here/../assets/web}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
cd "$here"
npm ci --no-audit --no-fund --loglevel=error >&2
# No source maps, no timestamps: the same lock and sources give the same bytes.
node_modules/.bin/esbuild src/main.js --bundle --format=esm --target=es2020 --minify --legal-comments=eof \
  --charset=utf8 --log-level=warning --outfile="$out/app.js"
node_modules/.bin/esbuild src/app.css --bundle --minify --charset=utf8 --log-level=warning --outfile="$out/app.css"

#!/usr/bin/env bash
# The whole test suite, as a new user or CI runs it: installs what the tests need, then runs
# every test. Real-client tests (LibreOffice, pdfsig, pyHanko, chromium) join this script as
# the renderers arrive; under CI=true they must run, never skip.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the tests use: poppler-utils (pdfinfo, pdffonts, pdftotext) for the PDF tests.
need_apt=()
command -v python3 >/dev/null 2>&1 || need_apt+=(python3)
command -v pdftotext >/dev/null 2>&1 || need_apt+=(poppler-utils)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need_apt[@]}"
  else
    echo "tests/run.sh: install ${need_apt[*]} first" >&2
    exit 2
  fi
fi

cargo test --all-targets 2>&1

#!/usr/bin/env bash
# The whole test suite, as a new user or CI runs it: installs what the tests need, then runs
# every test. Real-client tests (LibreOffice, pdfsig, pyHanko, chromium) join this script as
# the renderers arrive; under CI=true they must run, never skip.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
for tool in python3; do
  command -v "$tool" >/dev/null 2>&1 || need_apt+=("$tool")
done
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need_apt[@]}"
  else
    echo "tests/run.sh: install ${need_apt[*]} first" >&2
    exit 2
  fi
fi

cargo test --all-targets 2>&1

#!/usr/bin/env bash
# The whole test suite, as a new user or CI runs it: installs what the tests need, then runs
# every test. Real-client tests (LibreOffice, pdfsig, pyHanko, chromium) join this script as
# the renderers arrive; under CI=true they must run, never skip.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the tests use: poppler-utils (pdfinfo, pdffonts, pdftotext) for the PDF tests;
# LibreOffice Writer (soffice, headless) and pip for the DOCX tests.
need_apt=()
command -v python3 >/dev/null 2>&1 || need_apt+=(python3)
command -v pdftotext >/dev/null 2>&1 || need_apt+=(poppler-utils)
command -v soffice >/dev/null 2>&1 || need_apt+=(libreoffice-writer-nogui)
python3 -m pip --version >/dev/null 2>&1 || need_apt+=(python3-pip)
# Signing tests (tests/sign.rs): openssl makes the test PKI and serves the local TSA, certutil
# (libnss3-tools) makes pdfsig's NSS trust database, qpdf checks the signed file's structure.
command -v openssl >/dev/null 2>&1 || need_apt+=(openssl)
command -v certutil >/dev/null 2>&1 || need_apt+=(libnss3-tools)
command -v qpdf >/dev/null 2>&1 || need_apt+=(qpdf)
# zbarimg (zbar-tools) decodes the QR code of the visible signature (tests/sign_appearance.rs).
command -v zbarimg >/dev/null 2>&1 || need_apt+=(zbar-tools)
# Preview end-to-end test (tests/preview.rs, tests/e2e/preview.mjs): Debian's chromium driven by
# playwright-core from npm (no browser download), with node and npm.
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
command -v node >/dev/null 2>&1 || need_apt+=(nodejs)
command -v npm >/dev/null 2>&1 || need_apt+=(npm)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need_apt[@]}"
  else
    echo "tests/run.sh: install ${need_apt[*]} first" >&2
    exit 2
  fi
fi

# PyPI: python-docx inspects the DOCX (tests/docx.rs).
if ! python3 -c "import docx" >/dev/null 2>&1; then
  python3 -m pip install --quiet python-docx 2>/dev/null || python3 -m pip install --quiet --break-system-packages python-docx
fi

# PyPI: pyHanko validates the PAdES signatures (tests/sign.rs).
if ! command -v pyhanko >/dev/null 2>&1; then
  python3 -m pip install --quiet pyhanko pyhanko-cli 2>/dev/null || python3 -m pip install --quiet --break-system-packages pyhanko pyhanko-cli
fi

# PyPI: schemathesis (`st`) fuzzes `renja serve` from the OpenAPI document it serves (tests/service.rs).
if ! command -v st >/dev/null 2>&1; then
  python3 -m pip install --quiet schemathesis 2>/dev/null || python3 -m pip install --quiet --break-system-packages schemathesis
fi

# npm: playwright-core for the preview end-to-end test, exactly as locked.
if [ ! -d tests/e2e/node_modules/playwright-core ]; then
  (cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error)
fi

cargo test --all-targets 2>&1

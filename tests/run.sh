#!/usr/bin/env bash
# The whole test suite, as a new user or CI runs it: installs what the tests need, then runs
# every test. Real-client tests (LibreOffice, pdfsig, pyHanko, chromium) join this script as
# the renderers arrive; under CI=true they must run, never skip.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the tests use: poppler-utils (pdfinfo, pdffonts, pdftotext, pdfimages, pdftoppm,
# pdfsig) for the PDF tests;
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
# Excel tests (tests/excel.rs): LibreOffice Calc recalculates the exported workbook.
dpkg -s libreoffice-calc-nogui >/dev/null 2>&1 || dpkg -s libreoffice-calc >/dev/null 2>&1 || need_apt+=(libreoffice-calc-nogui)
# Preview end-to-end test (tests/preview.rs, tests/e2e/preview.mjs): Debian's chromium driven by
# playwright-core from npm (no browser download), with node and npm. The web interface uses the
# same (tests/web.rs, tests/e2e/web.mjs), and npm for its asset script (web/build.sh: npm ci +
# esbuild, compared with the committed assets/web/).
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
command -v node >/dev/null 2>&1 || need_apt+=(nodejs)
command -v npm >/dev/null 2>&1 || need_apt+=(npm)
# Fonts: the LibreOffice DOCX test lays the DOCX out with the document's fonts (Liberation Sans
# and Serif); without them on the system LibreOffice substitutes others and pages break
# elsewhere. fonts-liberation2 is the current Liberation, fonts-liberation the older metric set.
command -v fc-list >/dev/null 2>&1 || need_apt+=(fontconfig)
fc-list 2>/dev/null | grep -q "/liberation/" || need_apt+=(fonts-liberation)
fc-list 2>/dev/null | grep -q "/liberation2/" || need_apt+=(fonts-liberation2)
# The service on PostgreSQL (issue #19): Debian's postgresql (initdb, pg_ctl, psql); the service
# suite runs a second time against a throwaway cluster (tests/support/pg_cluster.sh).
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && command -v psql >/dev/null 2>&1 || need_apt+=(postgresql)
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
# PyPI: the BSrE stand-in (tests/support/bsre_standin.py, tests/bsre.rs) signs with pyHanko and
# draws the signature image renja sends, which needs Pillow (pyHanko's image-support extra).
if ! python3 -c "import pyhanko, PIL" >/dev/null 2>&1; then
  python3 -m pip install --quiet "pyhanko[image-support]" 2>/dev/null || python3 -m pip install --quiet --break-system-packages "pyhanko[image-support]"
fi

# PyPI: openpyxl makes and reads workbooks, msoffcrypto-tool a password-protected one (tests/excel.rs).
if ! python3 -c "import openpyxl, msoffcrypto" >/dev/null 2>&1; then
  python3 -m pip install --quiet openpyxl msoffcrypto-tool 2>/dev/null || python3 -m pip install --quiet --break-system-packages openpyxl msoffcrypto-tool
fi

# PyPI: schemathesis (`st`) fuzzes `renja serve` from the OpenAPI document it serves (tests/service.rs).
if ! command -v st >/dev/null 2>&1; then
  python3 -m pip install --quiet schemathesis 2>/dev/null || python3 -m pip install --quiet --break-system-packages schemathesis
fi

# npm: playwright-core for the preview end-to-end test, exactly as locked.
if [ ! -d tests/e2e/node_modules/playwright-core ]; then
  (cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error)
fi

# Before the tests start: every tool and font they rely on must be present; name what is missing
# (a test that needs a missing tool would otherwise fail late, or pass only on a machine that
# happened to have it).
missing=()
for cmd in python3 pdftotext pdfinfo pdffonts pdfimages pdftoppm pdftohtml pdfsig soffice openssl certutil qpdf zbarimg node npm pyhanko st fc-list timeout bash psql; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("$cmd")
done
[ -x /usr/bin/chromium ] || missing+=("/usr/bin/chromium")
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=("initdb (postgresql)")
python3 -c "import docx" >/dev/null 2>&1 || missing+=("python-docx (PyPI)")
python3 -c "import openpyxl, msoffcrypto" >/dev/null 2>&1 || missing+=("openpyxl, msoffcrypto-tool (PyPI)")
[ -d tests/e2e/node_modules/playwright-core ] || missing+=("playwright-core (npm, tests/e2e)")
for family in "Liberation Sans" "Liberation Serif"; do
  fc-list ":family=$family" 2>/dev/null | grep -q . || missing+=("font: $family (fonts-liberation2)")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "tests/run.sh: missing before the tests can run:" >&2
  printf '  - %s\n' "${missing[@]}" >&2
  exit 2
fi

# Tests needing a tool that is missing are reported as ignored (never as passed): build.rs turns
# each installed tool group (tests/common/tools.rs) into a cfg, and re-checks when this list of
# what is installed changes. Under CI=true they always run.
RENJA_TOOLS_SEEN="$(for t in pdftotext pdfinfo pdftoppm pdfimages pdffonts pdftohtml openssl pdfsig certutil qpdf pyhanko st python3 soffice zbarimg node npm chromium psql; do command -v "$t" || true; done | tr '\n' ' ')"
python3 -c "import docx" >/dev/null 2>&1 && RENJA_TOOLS_SEEN+=" python-docx"
python3 -c "import openpyxl, msoffcrypto" >/dev/null 2>&1 && RENJA_TOOLS_SEEN+=" openpyxl"
[ -d tests/e2e/node_modules/playwright-core ] && RENJA_TOOLS_SEEN+=" playwright-core"
export RENJA_TOOLS_SEEN

# A throwaway PostgreSQL cluster (own temporary folder and port), stopped at the end.
source tests/support/pg_cluster.sh
pg_cluster_start
trap pg_cluster_stop EXIT

cargo test --workspace --all-targets 2>&1
# The service suite again, every test on PostgreSQL (tests/support/service.rs: RENJA_TEST_DATABASE),
# with the PostgreSQL-only tests that the first pass reports as ignored.
RENJA_TEST_DATABASE=postgres cargo test --test service -- --include-ignored 2>&1

#!/usr/bin/env bash
# The one test command (README and .ci/run): install what the tests need, then run them.
# Arguments go to pytest:  bash scripts/test.sh -q -k libreoffice
#
# LibreOffice is the independent spreadsheet engine the tests recalculate and print with, and Gnumeric (ssconvert)
# the second one; poppler turns PDFs into pictures; headless Chromium renders the HTML report to a screenshot. All
# come from Debian/Ubuntu packages and are installed only when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_install() {
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
      sudo="sudo"
    else
      echo "need root or sudo to install: $* (or install them yourself)" >&2
      exit 1
    fi
  fi
  echo "installing with apt-get: $*" >&2
  # sudo drops most of the environment, so DEBIAN_FRONTEND goes through env; wait for another apt's lock.
  if [ -z "${apt_updated:-}" ]; then
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update -qq
    apt_updated=1
  fi
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
    --no-install-recommends "$@" >/dev/null
}

need_apt=()
command -v soffice >/dev/null 2>&1 || command -v libreoffice >/dev/null 2>&1 || need_apt+=(libreoffice-calc)
command -v ssconvert >/dev/null 2>&1 || need_apt+=(gnumeric)
# LibreOffice's Python bridge (UNO), for the tests that type answers into a workbook as a user would.
/usr/bin/python3 -c "import uno" >/dev/null 2>&1 || need_apt+=(python3-uno)
command -v pdftoppm >/dev/null 2>&1 || need_apt+=(poppler-utils)
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
# PostgreSQL: the store's export is tested against a real server the tests start (tests/postgres.py).
command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need_apt+=(postgresql)
if [ ${#need_apt[@]} -gt 0 ]; then
  apt_install "${need_apt[@]}" fonts-dejavu-core fonts-liberation
fi

# A Debian/Ubuntu system Python refuses pip installs (PEP 668): use a virtual environment outside the repo then.
python=python3
if [ -z "${VIRTUAL_ENV:-}" ] && python3 - <<'EOF'
import os, sys, sysconfig
managed = os.path.exists(os.path.join(sysconfig.get_path("stdlib"), "EXTERNALLY-MANAGED"))
sys.exit(0 if managed and sys.prefix == sys.base_prefix else 1)
EOF
then
  venv="${XDG_CACHE_HOME:-$HOME/.cache}/maturity-xl/test-venv"
  if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv" 2>/dev/null || { rm -rf "$venv"; apt_install python3-venv; python3 -m venv "$venv"; }
  fi
  python="$venv/bin/python"
fi

"$python" -m pip install -q --disable-pip-version-check -e ".[test]"

set +e
"$python" -m pytest "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests: that is a failure here" >&2
  exit 1
fi
exit "$status"

#!/usr/bin/env bash
# The one test command (README and .ci/run): install what the tests need, then run them.
# LibreOffice is the independent spreadsheet engine the tests recalculate and print with; poppler turns PDFs
# into pictures. Both come from Debian's packages and are installed only when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v soffice >/dev/null 2>&1 || need_apt+=(libreoffice-calc)
command -v pdftoppm >/dev/null 2>&1 || need_apt+=(poppler-utils)
if [ ${#need_apt[@]} -gt 0 ]; then
  sudo=""
  if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then sudo="sudo"; fi
  echo "installing ${need_apt[*]} (and fonts) with apt-get" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    "${need_apt[@]}" fonts-dejavu-core fonts-liberation >/dev/null
fi

python3 -m pip install -q --disable-pip-version-check -e ".[test]"

set +e
python3 -m pytest "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests: that is a failure here" >&2
  exit 1
fi
exit "$status"

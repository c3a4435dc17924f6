#!/usr/bin/env bash
# What the test suite needs beyond npm packages: Debian's Chromium for the browser test.
# (Java, Maven and PostgreSQL are handled by scripts/services/services.sh, which the cluster tests run.)
set -Eeuo pipefail
if [[ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]]; then exit 0; fi
if [[ $(id -u) -ne 0 ]] && ! command -v sudo >/dev/null; then
  echo "Chromium is missing: install Debian's package with 'apt-get install chromium' (or set CHROMIUM_PATH)" >&2
  exit 1
fi
SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO=sudo
echo "[tests] installing Debian's chromium for the browser test (once)…"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
echo "[tests] chromium $(/usr/bin/chromium --version 2>/dev/null | awk '{print $2}') installed"

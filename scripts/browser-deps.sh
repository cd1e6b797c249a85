#!/usr/bin/env bash
# The console's browser tests drive Debian's Chromium (a test tool's own
# browser download does not work offline). Install it when missing.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "[flash] installing Debian's chromium for the browser tests (apt-get) ..."
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
else
  echo "[flash] setup error: chromium is missing; install it (Debian: sudo apt-get install chromium)"
  exit 1
fi

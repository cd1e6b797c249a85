#!/usr/bin/env bash
# Create .venv with Python 3.8 and install the pinned lock file into it.
# Re-running is cheap: the install is skipped while requirements.lock is unchanged.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { echo "[flash] $*"; }
fail() { echo; echo "[flash] setup error: $*"; echo; exit 1; }

find_python38() {
  local candidate
  for candidate in ${PYTHON38:-} python3.8 "$HOME"/.pyenv/versions/3.8.*/bin/python3.8 /usr/local/bin/python3.8 /usr/bin/python3.8; do
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys; assert sys.version_info[:2] == (3, 8)' 2>/dev/null; then
      command -v "$candidate"; return
    fi
  done
}

if [ ! -x .venv/bin/python ]; then
  py=$(find_python38)
  [ -n "$py" ] || fail "Python 3.8 not found (Saleor 2.10.1 needs it). Install it, e.g. 'pyenv install 3.8.18', or point PYTHON38 at a python3.8 binary."
  say "creating .venv with $py"
  "$py" -m venv .venv || fail "could not create a venv with $py (Debian: apt-get install python3.8-venv)"
fi
.venv/bin/python -c 'import sys; assert sys.version_info[:2] == (3, 8)' \
  || fail ".venv is not Python 3.8: remove it (rm -rf .venv) and run again."

stamp=.venv/.lock-installed
want=$(sha256sum requirements.lock | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  say "installing the pinned dependencies from requirements.lock (first run takes a few minutes) ..."
  # celery 4.4's metadata needs pip < 24.1
  .venv/bin/python -m pip install --quiet --disable-pip-version-check 'pip<24.1' 'setuptools<75' wheel
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps -r requirements.lock
  .venv/bin/python -m pip check >/dev/null || { .venv/bin/python -m pip check; fail "installed packages conflict"; }
  echo "$want" > "$stamp"
  say "dependencies installed"
else
  say "dependencies up to date (.venv)"
fi

#!/usr/bin/env bash
# A separate Python (>= 3.9) virtualenv with schemathesis, for the OpenAPI
# contract test of /points/v1/ (tests/points_payment/test_openapi_contract.py).
# schemathesis only talks HTTP to the server, so it does not need the
# project's Python 3.8. Cached in var/schemathesis-venv; prints its python.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION="${SCHEMATHESIS_VERSION:-4.32.5}"
VENV=var/schemathesis-venv
STAMP="$VENV/.installed-$VERSION"
if [ ! -f "$STAMP" ]; then
    PY=""
    for candidate in python3.12 python3.11 python3.10 python3.9 python3; do
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 9) else 1)' 2>/dev/null; then
            PY="$candidate"
            break
        fi
    done
    if [ -z "$PY" ]; then
        echo "schemathesis needs Python >= 3.9; none found" >&2
        exit 1
    fi
    rm -rf "$VENV"
    mkdir -p var
    "$PY" -m venv "$VENV" >&2
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check "schemathesis==$VERSION" >&2
    touch "$STAMP"
fi
echo "$PWD/$VENV/bin/python"

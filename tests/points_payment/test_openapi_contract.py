"""schemathesis against the live server (gunicorn, several processes): no
5xx and no response that breaks /points/v1/openapi.json.

schemathesis runs from its own Python >= 3.9 (scripts/schemathesis-venv.sh
installs it from PyPI into var/ once, then reuses it): it only talks HTTP.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from plugins.points_payment import services

from . import ledger_support

ROOT = Path(__file__).resolve().parents[2]
RUNNER = Path(__file__).parent / "contract" / "schemathesis_points_api.py"


@pytest.mark.django_db
def test_on_the_test_database():
    from django.db import connection

    assert connection.settings_dict["NAME"].startswith("test_")


def test_schemathesis_finds_no_server_error_and_no_schema_break(
    api_server, committed_db
):
    python = (
        subprocess.run(
            ["bash", str(ROOT / "scripts" / "schemathesis-venv.sh")],
            check=True,
            stdout=subprocess.PIPE,
            cwd=str(ROOT),
            timeout=600,
        )
        .stdout.decode()
        .strip()
    )
    channel_id = ledger_support.make_program(quota=10**12, webhook=False)
    program = services.program_for_channel(channel_id)
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", "/tmp"),
        "POINTS_BASE_URL": api_server.base_url,
        "POINTS_CHANNEL": program.channel.slug,
        "POINTS_SECRET": program.api_secret,
        "POINTS_MAX_EXAMPLES": os.environ.get("POINTS_MAX_EXAMPLES", "40"),
    }
    run = subprocess.run(
        [
            python,
            "-m",
            "pytest",
            "--noconftest",
            "-c",
            os.devnull,
            "--rootdir",
            str(RUNNER.parent),
            "-p",
            "no:cacheprovider",
            "-q",
            "-s",
            "-x",
            str(RUNNER),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        cwd=str(RUNNER.parent),
        timeout=600,
    )
    output = run.stdout.decode(errors="replace")
    assert run.returncode == 0, output[-6000:]
    assert "9 passed" in output, output[-2000:]  # 8 operations + the count check
    print(output[-3000:])

"""Bad setup fails fast with a message that says what to do."""

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from saleor_flash import devenv

PROJECT = Path(__file__).resolve().parent.parent


def run_devenv(*args, **env):
    full_env = dict(os.environ, **env)
    return subprocess.run(
        [sys.executable, "-m", "saleor_flash.devenv", *args],
        cwd=PROJECT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_unreachable_database_url_is_named():
    result = run_devenv("env", DATABASE_URL="postgres://postgres@127.0.0.1:1/nowhere")
    assert result.returncode != 0
    assert (
        "DATABASE_URL=postgres://postgres@127.0.0.1:1/nowhere is unreachable"
        in result.stderr
    )
    assert "Traceback" not in result.stderr


def test_unreachable_redis_url_is_named():
    result = run_devenv("env", REDIS_URL="redis://127.0.0.1:1/0")
    assert result.returncode != 0
    assert "REDIS_URL=redis://127.0.0.1:1/0 is unreachable" in result.stderr


def test_taken_port_is_refused_before_anything_starts():
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        result = run_devenv("run", FLASH_PORT=str(port))
    assert result.returncode != 0
    assert f"port {port} is already taken" in result.stderr
    assert "FLASH_PORT" in result.stderr


def test_missing_redis_binary_names_the_debian_package(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(devenv.SetupError, match="apt-get install redis-server"):
        devenv.start_local_redis(devenv.Services())


def test_missing_postgres_binaries_name_the_debian_package(monkeypatch):
    monkeypatch.setattr(devenv.postgres, "_pg_bin", lambda name: None)
    with pytest.raises(devenv.SetupError, match="apt-get install postgresql"):
        devenv.start_local_postgres(devenv.Services())


def test_bootstrap_without_python38_says_how_to_get_it(tmp_path):
    scripts = tmp_path / "scripts"
    scripts.mkdir()
    shutil.copy(PROJECT / "scripts" / "bootstrap.sh", scripts / "bootstrap.sh")
    shutil.copy(PROJECT / "requirements.lock", tmp_path / "requirements.lock")
    result = subprocess.run(
        ["bash", str(scripts / "bootstrap.sh")],
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "Python 3.8 not found" in result.stdout
    assert "pyenv install 3.8" in result.stdout

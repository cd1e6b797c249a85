"""Production settings are the default (issue #10 item 9), and the local
secret key file is never read half-written."""

from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent
STRONG_KEY = "k" * 20 + "-production-secret-from-the-vault-0123456789"

SHOW = """
import json, django
django.setup()
from django.conf import settings
print(json.dumps({
    "DEBUG": settings.DEBUG,
    "SECRET_KEY": settings.SECRET_KEY,
    "whitenoise": "whitenoise.middleware.WhiteNoiseMiddleware" in settings.MIDDLEWARE,
    "jwt_expires": settings.GRAPHQL_JWT["JWT_VERIFY_EXPIRATION"],
    "allowed_client_hosts": settings.ALLOWED_CLIENT_HOSTS,
}))
"""


def load_settings(tmp_path, **env):
    """Import the production settings module in a fresh process."""
    clean = {
        key: value
        for key, value in os.environ.items()
        if key
        not in (
            "DEBUG",
            "SECRET_KEY",
            "FLASH_TESTING",
            "ALLOWED_CLIENT_HOSTS",
            "DJANGO_SETTINGS_MODULE",
        )
    }
    clean.update(
        DJANGO_SETTINGS_MODULE="saleor_flash.settings",
        FLASH_VAR_DIR=str(tmp_path / "var"),
        PYTHONWARNINGS="ignore",
        **env,
    )
    result = subprocess.run(
        [sys.executable, "-c", SHOW],
        cwd=PROJECT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if result.returncode == 0:
        return json.loads(result.stdout.strip().splitlines()[-1])
    return result.stderr


def test_production_is_the_default_and_needs_its_variables(tmp_path):
    loaded = load_settings(
        tmp_path,
        SECRET_KEY=STRONG_KEY,
        ALLOWED_CLIENT_HOSTS="shop.example.com",
    )
    assert isinstance(loaded, dict), loaded
    assert loaded["DEBUG"] is False
    assert loaded["whitenoise"] is True
    assert loaded["jwt_expires"] is True
    assert loaded["allowed_client_hosts"] == ["shop.example.com"]
    assert not (tmp_path / "var" / "secret_key").exists()


@pytest.mark.parametrize(
    "key", [None, "", "changeme", "short-key", "django-insecure-" + "x" * 50]
)
def test_production_refuses_a_missing_or_default_secret_key(tmp_path, key):
    env = {"ALLOWED_CLIENT_HOSTS": "shop.example.com"}
    if key is not None:
        env["SECRET_KEY"] = key
    refused = load_settings(tmp_path, **env)
    assert isinstance(refused, str), refused
    assert "SECRET_KEY" in refused
    assert not (tmp_path / "var" / "secret_key").exists()


def test_production_names_allowed_client_hosts_when_missing(tmp_path):
    refused = load_settings(tmp_path, SECRET_KEY=STRONG_KEY)
    assert isinstance(refused, str), refused
    assert "ALLOWED_CLIENT_HOSTS" in refused and "README" in refused


def test_debug_demo_keeps_a_local_key(tmp_path):
    loaded = load_settings(tmp_path, DEBUG="true")
    assert isinstance(loaded, dict), loaded
    assert loaded["DEBUG"] is True
    key_file = tmp_path / "var" / "secret_key"
    assert loaded["SECRET_KEY"] == key_file.read_text().strip()
    assert len(loaded["SECRET_KEY"]) >= 50


def _read_key(var_dir: str, start_at: float, results) -> None:
    os.environ["FLASH_VAR_DIR"] = var_dir
    os.environ.pop("SECRET_KEY", None)
    import importlib

    from saleor_flash import config

    importlib.reload(config)  # VAR_DIR is read at import
    while time.time() < start_at:
        pass
    results.put(config.secret_key())


def test_processes_racing_for_the_local_key_all_read_the_whole_key(tmp_path):
    """Many processes start at once on a fresh var/: each must get the same,
    complete key (none may read the file while another is still writing it)."""
    context = multiprocessing.get_context("fork")
    for round_number in range(20):
        var_dir = str(tmp_path / f"var-{round_number}")
        results = context.Queue()
        start_at = time.time() + 0.5
        processes = [
            context.Process(target=_read_key, args=(var_dir, start_at, results))
            for _ in range(8)
        ]
        for process in processes:
            process.start()
        keys = [results.get(timeout=30) for _ in processes]
        for process in processes:
            process.join(10)
        assert len(set(keys)) == 1 and len(keys[0]) >= 50, (round_number, keys)
        assert (Path(var_dir) / "secret_key").read_text().strip() == keys[0]

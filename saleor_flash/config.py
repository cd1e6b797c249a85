"""Environment-driven configuration with safe local defaults.

Kept free of Django imports so that scripts (the dev environment launcher,
benchmarks) can read the same defaults without configuring Django.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("FLASH_VAR_DIR", PROJECT_DIR / "var"))

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/saleor_flash"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{name}={value!r} is not a boolean (use true/false)")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ValueError(f"{name}={value!r} is not an integer") from exc


def secret_key() -> str:
    """SECRET_KEY from the environment, else a key kept in var/.

    Every server process must share one key (Saleor signs JWTs with it), so a
    random per-process key like Saleor's DEBUG default would break sign-in
    across workers.
    """
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    path = VAR_DIR / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        candidate = secrets.token_urlsafe(48)
        # O_EXCL: when two processes race, both end up reading the winner's key.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return path.read_text().strip()
        with os.fdopen(fd, "w") as handle:
            handle.write(candidate)
        return candidate

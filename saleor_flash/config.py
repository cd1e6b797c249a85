"""Environment-driven configuration with safe local defaults.

Kept free of Django imports so that scripts (the dev environment launcher,
benchmarks) can read the same defaults without configuring Django.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path
from typing import Optional

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
    """SECRET_KEY from the environment, else a key kept in var/ (``make run``
    and tests only: production requires SECRET_KEY, see ``secret_key_problem``).

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
        pass
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    # Write the whole key to a private temporary file, then publish it with a
    # hard link, which fails when the name exists: a reader never sees a
    # half-written file, and of racing writers exactly one key wins.
    fd, temporary = tempfile.mkstemp(prefix=".secret_key-", dir=str(VAR_DIR))
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass  # another process won: use its key
    finally:
        os.unlink(temporary)
    return path.read_text().strip()


# Keys that are published, guessable or Django's "insecure" placeholders.
KNOWN_DEFAULT_SECRET_KEYS = {
    "changeme",
    "change-me",
    "secret",
    "secret_key",
    "secretkey",
    "saleor-flash-bench-only-secret-key-not-for-production-use",
}
MIN_SECRET_KEY_LENGTH = 32


def secret_key_problem(key: Optional[str]) -> Optional[str]:
    """Why ``key`` must not sign production tokens, or None when it may."""
    if not key:
        return "SECRET_KEY is not set."
    if key.strip().lower() in KNOWN_DEFAULT_SECRET_KEYS or key.startswith(
        "django-insecure-"
    ):
        return "SECRET_KEY is a published default value."
    if len(key) < MIN_SECRET_KEY_LENGTH or len(set(key)) < 8:
        return (
            f"SECRET_KEY is too weak (use at least {MIN_SECRET_KEY_LENGTH} "
            "random characters)."
        )
    return None

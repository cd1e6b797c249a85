"""PostgreSQL for the launcher: DATABASE_URL, else the server on
127.0.0.1:5432, else a project-local cluster in var/pgdata."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
from pathlib import Path
from typing import List, Optional
from urllib.parse import urlparse

from .. import config
from .processes import VAR, Services, SetupError, port_open, say

LOCAL_PG_PORT = config.env_int("FLASH_LOCAL_PG_PORT", 55432)


def _pg_bin(name: str) -> Optional[str]:
    for candidate in sorted(
        Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True
    ):
        return str(candidate)
    return shutil.which(name)


def _unprivileged_user() -> Optional[str]:
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    raise SetupError(
        "running as root and found neither a 'postgres' nor a 'nobody' user"
    )


def _as_user(user: Optional[str], argv: List[str]) -> List[str]:
    return ["runuser", "-u", user, "--", *argv] if user else argv


def database_reachable(url: str) -> Optional[str]:
    """None when a connection to the server works, else the driver's message."""
    import psycopg2

    parsed = urlparse(url)
    try:
        psycopg2.connect(
            host=parsed.hostname or "127.0.0.1",
            port=parsed.port or 5432,
            user=parsed.username or "postgres",
            password=parsed.password or None,
            dbname="postgres",
            connect_timeout=3,
        ).close()
        return None
    except psycopg2.Error as exc:
        return str(exc).strip()


def ensure_database(url: str) -> None:
    """Create the database named in ``url`` when the server lacks it."""
    import psycopg2

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    conn = psycopg2.connect(
        host=parsed.hostname,
        port=parsed.port or 5432,
        user=parsed.username or "postgres",
        password=parsed.password or None,
        dbname="postgres",
    )
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            say(f"creating database {name}")
            cursor.execute(f'CREATE DATABASE "{name}"')
    conn.close()


def start_local_postgres(services: Services) -> str:
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    if not initdb or not pg_ctl:
        raise SetupError(
            "no PostgreSQL answers on 127.0.0.1:5432 and its server binaries are "
            "missing. Install them (Debian: apt-get install postgresql) or set "
            "DATABASE_URL to a reachable server."
        )
    user = _unprivileged_user()
    data = VAR / "pgdata"
    sockets = VAR / "pgsock"
    for folder in (VAR, sockets):
        folder.mkdir(parents=True, exist_ok=True)
    if user:
        os.chmod(VAR, 0o755)
        shutil.chown(sockets, user)
    if not (data / "PG_VERSION").exists():
        say(f"initialising a project-local PostgreSQL cluster in {data}")
        data.mkdir(parents=True, exist_ok=True)
        if user:
            shutil.chown(data, user)
        subprocess.run(
            _as_user(user, [initdb, "-D", str(data), "-U", "postgres", "--auth=trust"]),
            check=True,
            stdout=subprocess.DEVNULL,
        )
    if port_open("127.0.0.1", LOCAL_PG_PORT):
        say(f"project-local PostgreSQL already up on port {LOCAL_PG_PORT}")
    else:
        say(f"starting project-local PostgreSQL on port {LOCAL_PG_PORT}")
        options = f"-p {LOCAL_PG_PORT} -k {sockets} -c listen_addresses=127.0.0.1"
        log = data / "server.log"
        subprocess.run(
            _as_user(
                user,
                [pg_ctl, "-D", str(data), "-o", options, "-l", str(log), "-w", "start"],
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )
        services.stops.append(
            lambda: subprocess.run(
                _as_user(user, [pg_ctl, "-D", str(data), "-m", "fast", "stop"]),
                stdout=subprocess.DEVNULL,
            )
        )
    return f"postgres://postgres@127.0.0.1:{LOCAL_PG_PORT}/saleor_flash"


def resolve_database(services: Services) -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        problem = database_reachable(url)
        if problem:
            raise SetupError(
                f"DATABASE_URL={url} is unreachable: {problem}. Start that server, "
                "fix the URL, or unset DATABASE_URL to use a local PostgreSQL."
            )
        say(f"using DATABASE_URL {url}")
    elif port_open("127.0.0.1", 5432) and not database_reachable(
        config.DEFAULT_DATABASE_URL
    ):
        url = config.DEFAULT_DATABASE_URL
        say(f"using the PostgreSQL on 127.0.0.1:5432 ({url})")
    else:
        url = start_local_postgres(services)
    ensure_database(url)
    return url

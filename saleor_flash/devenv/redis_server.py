"""Redis for the launcher: REDIS_URL, else the server on 127.0.0.1:6379,
else a project-local one in var/redis."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from typing import Optional
from urllib.parse import urlparse

from .. import config
from .processes import VAR, Services, SetupError, port_open, say

LOCAL_REDIS_PORT = config.env_int("FLASH_LOCAL_REDIS_PORT", 56379)


def redis_reachable(url: str) -> Optional[str]:
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
        return None
    except redis.RedisError as exc:
        return str(exc)


def start_local_redis(services: Services) -> str:
    server = shutil.which("redis-server")
    if not server:
        raise SetupError(
            "no Redis answers on 127.0.0.1:6379 and redis-server is missing. "
            "Install it (Debian: apt-get install redis-server) or set REDIS_URL."
        )
    folder = VAR / "redis"
    folder.mkdir(parents=True, exist_ok=True)
    url = f"redis://127.0.0.1:{LOCAL_REDIS_PORT}/0"
    if not port_open("127.0.0.1", LOCAL_REDIS_PORT):
        say(f"starting project-local Redis on port {LOCAL_REDIS_PORT}")
        subprocess.run(
            [
                server,
                "--port",
                str(LOCAL_REDIS_PORT),
                "--bind",
                "127.0.0.1",
                "--daemonize",
                "yes",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(folder),
                "--pidfile",
                str(folder / "redis.pid"),
                "--logfile",
                str(folder / "redis.log"),
            ],
            check=True,
        )
        for _ in range(50):
            if redis_reachable(url) is None:
                break
            time.sleep(0.1)

        def stop_redis() -> None:
            import redis

            try:
                redis.Redis.from_url(url).shutdown(nosave=True)
            except redis.ConnectionError:
                pass  # shutdown closes the connection: expected

        services.stops.append(stop_redis)
    return url


def resolve_redis(services: Services) -> str:
    url = os.environ.get("REDIS_URL")
    if url:
        problem = redis_reachable(url)
        if problem:
            raise SetupError(
                f"REDIS_URL={url} is unreachable: {problem}. Start that server, "
                "fix the URL, or unset REDIS_URL to use a local Redis."
            )
        say(f"using REDIS_URL {url}")
        return url
    if redis_reachable(config.DEFAULT_REDIS_URL) is None:
        say(f"using the Redis on 127.0.0.1:6379 ({config.DEFAULT_REDIS_URL})")
        return config.DEFAULT_REDIS_URL
    return start_local_redis(services)


def with_redis_db(url: str, db: int) -> str:
    return urlparse(url)._replace(path=f"/{db}").geturl()

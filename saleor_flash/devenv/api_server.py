"""The gunicorn command line of the API server (``make run``, the tests'
servers and the benchmarks use the same one)."""

from __future__ import annotations

import os
from typing import List, Optional

from .. import config
from .processes import PYTHON


def lane_threads(workers: int) -> int:
    """Threads per worker for the flash-sale mode: 64 over all workers (so at
    most 64 PostgreSQL connections)."""
    return max(1, 64 // max(1, workers))


def server_threads(workers: int) -> int:
    """FLASH_THREADS: 1 (the default) = sync workers; ``auto`` = 64 threads
    over all workers with the database lane (the flash-sale mode)."""
    value = os.environ.get("FLASH_THREADS", "1").strip().lower()
    if value == "auto":
        return lane_threads(workers)
    return max(1, config.env_int("FLASH_THREADS", 1))


def api_server_argv(
    port: int, workers: int, threads: Optional[int] = None
) -> List[str]:
    """gunicorn serving the host on 127.0.0.1:<port> with ``workers`` processes,
    each with ``threads`` threads (default ``server_threads``) and the
    database lane (plugins/core/database_lane.py); 1 thread = sync workers."""
    threads = server_threads(workers) if threads is None else threads
    worker_class = (
        ["sync"]
        if threads <= 1
        # No keep-alive: a kept connection pins its client to one worker,
        # which can then queue work while another worker idles.
        else ["gthread", "--threads", str(threads), "--keep-alive", "0"]
    )
    return [
        PYTHON,
        "-m",
        "gunicorn",
        "saleor_flash.wsgi:application",
        "--config",
        "python:saleor_flash.gunicorn_conf",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        *worker_class,
        "--timeout",
        "60",
        "--graceful-timeout",
        "5",
        "--log-level",
        "warning",
        "--access-logfile",
        "-" if config.env_bool("FLASH_ACCESS_LOG", False) else "/dev/null",
    ]

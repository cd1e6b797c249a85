"""Shared helpers for the benchmarks in bench/.

- ``machine_info()`` (``machine``): what the numbers were measured on.
- ``start_server(kind, workers, database_url, redis_url)`` (``servers``): a
  multi-process gunicorn serving our host (``kind="flash"``) or plain Saleor
  2.10.1 (``kind="saleor"``) on a free port; returns a ``Server`` with
  ``base_url`` and ``stop()``.
- ``run_load(url, body_bytes, headers, connections, duration_s | requests)``
  (``load``): closed-loop HTTP POST load. Uses Debian's ``wrk`` (``wrk``: one
  event-loop thread, a Lua script for the POST body, status counts and
  latency percentiles) when it is installed, else a Python generator
  (``python_load``: threads + http.client). Both return a ``LoadResult``.
- ``percentiles``, ``ratio``, ``median``, ``medians_of`` (``stats``);
  ``write_result``, ``progress``, ``interrupt_on_sigterm`` (``output``).

Client and server share the machine's cores, so the load generator has to be
cheap: wrk with a single thread costs a few per cent of one core at the rates
a 2-worker gunicorn reaches; the Python fallback costs much more (see
``LoadResult.client_cpu_s``).
"""

import sys
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]
if str(PROJECT_DIR) not in sys.path:
    sys.path.insert(0, str(PROJECT_DIR))

from .load import (  # noqa: E402
    WRK_INSTALL_HINT,
    choose_generator,
    generator_description,
    run_load,
)
from .load_result import LoadResult  # noqa: E402
from .machine import machine_info  # noqa: E402
from .output import RESULTS_DIR, interrupt_on_sigterm, progress, write_result  # noqa: E402
from .servers import (  # noqa: E402
    BENCH_SECRET_KEY,
    LOG_DIR,
    SERVER_KINDS,
    Server,
    graphql_body,
    post_json,
    server_argv,
    server_env,
    server_threads,
    start_server,
)
from .stats import median, medians_of, percentiles, ratio  # noqa: E402
from .wrk import wrk_path, wrk_version  # noqa: E402

__all__ = [
    "BENCH_SECRET_KEY",
    "LOG_DIR",
    "LoadResult",
    "PROJECT_DIR",
    "RESULTS_DIR",
    "SERVER_KINDS",
    "Server",
    "WRK_INSTALL_HINT",
    "choose_generator",
    "generator_description",
    "graphql_body",
    "interrupt_on_sigterm",
    "machine_info",
    "median",
    "medians_of",
    "percentiles",
    "post_json",
    "progress",
    "ratio",
    "run_load",
    "server_argv",
    "server_env",
    "server_threads",
    "start_server",
    "wrk_path",
    "wrk_version",
    "write_result",
]

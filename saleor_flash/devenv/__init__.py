"""Local environment for `make run` and `make test`.

Finds (or starts) PostgreSQL and Redis, then either serves the whole stack
(API workers, Celery worker and beat) or runs the test suite. Everything it
starts it stops again on Ctrl-C. Bad setup fails fast with a message that says
what to do.

    python -m saleor_flash.devenv run        # migrate, seed, serve
    python -m saleor_flash.devenv test [-- pytest args]
    python -m saleor_flash.devenv env        # print the resolved URLs

Modules: ``processes`` (setup errors, ports, the processes it starts, their
environment), ``postgres`` and ``redis_server`` (find or start each service),
``api_server`` (the gunicorn command line), ``commands`` (run, test, env).
The names below are the ones the tests and benchmarks use.
"""

import warnings

warnings.filterwarnings("ignore", message="Python 3.8 is no longer supported")

from .. import config  # noqa: E402
from . import postgres, redis_server  # noqa: E402
from .api_server import api_server_argv, lane_threads, server_threads  # noqa: E402
from .commands import main, print_env, run_stack, run_tests  # noqa: E402
from .postgres import (  # noqa: E402
    database_reachable,
    ensure_database,
    resolve_database,
    start_local_postgres,
)
from .processes import (  # noqa: E402
    PIDFILE,
    PYTHON,
    VAR,
    Services,
    SetupError,
    base_env,
    free_port,
    manage,
    port_open,
    require_free_port,
    say,
    stop_leftovers,
    wait_for_http,
)
from .redis_server import (  # noqa: E402
    redis_reachable,
    resolve_redis,
    start_local_redis,
    with_redis_db,
)

__all__ = [
    "PIDFILE",
    "PYTHON",
    "VAR",
    "Services",
    "SetupError",
    "api_server_argv",
    "base_env",
    "config",
    "database_reachable",
    "ensure_database",
    "free_port",
    "lane_threads",
    "main",
    "manage",
    "port_open",
    "postgres",
    "print_env",
    "redis_reachable",
    "redis_server",
    "require_free_port",
    "resolve_database",
    "resolve_redis",
    "run_stack",
    "run_tests",
    "say",
    "server_threads",
    "start_local_postgres",
    "start_local_redis",
    "stop_leftovers",
    "wait_for_http",
    "with_redis_db",
]

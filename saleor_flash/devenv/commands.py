"""The launcher's commands: ``run`` (migrate, seed, serve the whole stack),
``test`` (the test suite on its own Redis database) and ``env``."""

from __future__ import annotations

import signal
import subprocess
import time
from typing import List

from .. import config
from .api_server import api_server_argv
from .postgres import resolve_database
from .processes import (
    PIDFILE,
    PYTHON,
    VAR,
    Services,
    SetupError,
    base_env,
    manage,
    require_free_port,
    say,
    stop_leftovers,
    wait_for_http,
)
from .redis_server import resolve_redis, with_redis_db


def run_stack() -> int:
    port = config.env_int("FLASH_PORT", 8000)
    workers = config.env_int("FLASH_WORKERS", 2)
    stop_leftovers()
    require_free_port(port, "FLASH_PORT")
    services = Services(pidfile=PIDFILE)
    try:
        database_url = resolve_database(services)
        redis_url = resolve_redis(services)
        env = base_env(database_url, redis_url, "saleor_flash.settings")
        env["FLASH_PORT"] = str(port)
        # The demo runs in DEBUG (a local secret key in var/, Saleor's local
        # client hosts, error pages with details); production is the default
        # everywhere else (README "Configuration").
        env.setdefault("DEBUG", "True")
        debug = env["DEBUG"].strip().lower() in ("1", "true", "yes", "on")
        say(
            "running the demo in DEBUG (not for production: see README 'Configuration')"
            if debug
            else "running with production settings (DEBUG off)"
        )
        say("migrating the database (Saleor + our plugins) ...")
        manage(env, "migrate", "--no-input", "-v", "0")
        say("seeding demo data ...")
        manage(env, "seed_demo")
        api = services.spawn("API", api_server_argv(port, workers), env)
        services.spawn(
            "Celery worker",
            [
                PYTHON,
                "-m",
                "celery",
                "-A",
                "saleor_flash",
                "worker",
                "-l",
                "warning",
                "--concurrency",
                "2",
            ],
            env,
        )
        beat_schedule = VAR / "celerybeat-schedule"
        services.spawn(
            "Celery beat",
            [
                PYTHON,
                "-m",
                "celery",
                "-A",
                "saleor_flash",
                "beat",
                "-l",
                "warning",
                "-s",
                str(beat_schedule),
            ],
            env,
        )
        wait_for_http(f"http://127.0.0.1:{port}/graphql/", api)
        say(
            f"ready: GraphQL http://localhost:{port}/graphql/ · "
            f"console http://localhost:{port}/dashboard-ext/ · Ctrl-C stops everything"
            + (" · DEBUG demo, not for production" if debug else "")
        )
        while all(child.poll() is None for child in services.children):
            time.sleep(0.5)
        failed = [
            child.args[2:5] for child in services.children if child.poll() is not None
        ]
        say(f"a process exited ({failed}); stopping the rest")
        return 1
    except KeyboardInterrupt:
        say("Ctrl-C: stopping everything this launcher started ...")
        return 0
    finally:
        services.stop_all()
        say("stopped")


def run_tests(pytest_args: List[str]) -> int:
    services = Services()
    try:
        database_url = resolve_database(services)
        redis_url = resolve_redis(services)
        # Tests use their own Redis database so they never touch the demo's keys.
        # FLASH_TEST_REDIS_DB lets two checkouts run their suites side by side.
        test_redis = with_redis_db(redis_url, config.env_int("FLASH_TEST_REDIS_DB", 15))
        env = base_env(database_url, test_redis, "saleor_flash.test_settings")
        say("running the test suite (pytest)")
        argv = [PYTHON, "-m", "pytest", *pytest_args]
        return subprocess.call(argv, env=env, cwd=str(config.PROJECT_DIR))
    except KeyboardInterrupt:
        return 130
    finally:
        services.stop_all()


def print_env() -> int:
    services = Services()
    database_url = resolve_database(services)
    redis_url = resolve_redis(services)
    print(f"DATABASE_URL={database_url}")
    print(f"REDIS_URL={redis_url}")
    return 0


def _interrupt(_signum, _frame) -> None:
    raise KeyboardInterrupt


def main(argv: List[str]) -> int:
    # Explicit, because a launcher started from a non-interactive shell
    # inherits SIGINT as ignored.
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    command = argv[0] if argv else "run"
    rest = argv[1:]
    if rest[:1] == ["--"]:
        rest = rest[1:]
    if command == "run":
        return run_stack()
    if command == "test":
        return run_tests(rest)
    if command == "env":
        return print_env()
    raise SetupError(f"unknown command {command!r}; use run, test or env")

"""Local environment for `make run` and `make test`.

Finds (or starts) PostgreSQL and Redis, then either serves the whole stack
(API workers, Celery worker and beat) or runs the test suite. Everything it
starts it stops again on Ctrl-C. Bad setup fails fast with a message that says
what to do.

    python -m saleor_flash.devenv run        # migrate, seed, serve
    python -m saleor_flash.devenv test [-- pytest args]
    python -m saleor_flash.devenv env        # print the resolved URLs
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import warnings
from pathlib import Path
from typing import Callable, Dict, List, Optional
from urllib.parse import urlparse

from . import config

warnings.filterwarnings("ignore", message="Python 3.8 is no longer supported")

VAR = config.VAR_DIR
PYTHON = sys.executable
LOCAL_PG_PORT = config.env_int("FLASH_LOCAL_PG_PORT", 55432)
LOCAL_REDIS_PORT = config.env_int("FLASH_LOCAL_REDIS_PORT", 56379)


class SetupError(SystemExit):
    """A setup problem the user can fix; printed without a traceback."""

    def __init__(self, message: str):
        super().__init__(f"\n[flash] setup error: {message}\n")


def say(message: str) -> None:
    print(f"[flash] {message}", flush=True)


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def require_free_port(port: int, variable: str) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # As gunicorn binds: a port whose old connections linger in TIME_WAIT
        # (a server just stopped) is free; one with a listener is not.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            raise SetupError(
                f"port {port} is already taken (is another server running?). "
                f"Stop it, or choose another port with {variable}=<port>."
            ) from None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


PIDFILE = VAR / "launcher.pids"


def stop_leftovers() -> None:
    """Stop processes a killed earlier `make run` left behind.

    A launcher killed with SIGKILL cannot stop its children; their pids are
    kept in var/launcher.pids so the next run can.
    """
    try:
        pids = [int(line) for line in PIDFILE.read_text().split()]
    except (FileNotFoundError, ValueError):
        return
    for pid in pids:
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue  # already gone
        if b"saleor_flash" in cmdline:
            say(f"stopping process {pid} left over from an earlier run")
            os.kill(pid, signal.SIGTERM)
    deadline = time.time() + 10
    while time.time() < deadline and any(Path(f"/proc/{pid}").exists() for pid in pids):
        time.sleep(0.2)
    PIDFILE.unlink()


class Services:
    """The processes this launcher started, stopped in reverse order."""

    def __init__(self, pidfile: Optional[Path] = None) -> None:
        self.stops: List[Callable[[], None]] = []
        self.children: List[subprocess.Popen] = []
        self.pidfile = pidfile

    def spawn(
        self, name: str, argv: List[str], env: Dict[str, str]
    ) -> subprocess.Popen:
        say(f"starting {name}: {' '.join(argv[:4])} ...")
        child = subprocess.Popen(argv, env=env, cwd=str(config.PROJECT_DIR))
        self.children.append(child)
        if self.pidfile:
            self.pidfile.parent.mkdir(parents=True, exist_ok=True)
            self.pidfile.write_text("\n".join(str(c.pid) for c in self.children))
        return child

    def stop_all(self) -> None:
        for child in reversed(self.children):
            if child.poll() is None:
                child.terminate()
        deadline = time.time() + 15
        for child in reversed(self.children):
            try:
                child.wait(max(deadline - time.time(), 0.1))
            except subprocess.TimeoutExpired:
                child.kill()
        for stop in reversed(self.stops):
            try:
                stop()
            except Exception as exc:  # keep stopping the rest
                say(f"could not stop a service cleanly: {exc}")
        if self.pidfile and self.pidfile.exists():
            self.pidfile.unlink()


# --- PostgreSQL ---------------------------------------------------------


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


# --- Redis --------------------------------------------------------------


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


# --- processes ----------------------------------------------------------


def base_env(database_url: str, redis_url: str, settings: str) -> Dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        CACHE_URL=redis_url,
        CELERY_BROKER_URL=env.get("CELERY_BROKER_URL", redis_url),
        DJANGO_SETTINGS_MODULE=settings,
        PYTHONUNBUFFERED="1",
    )
    # Saleor 2.10's import-time warnings (debug toolbar, Python 3.8 notices)
    # drown the progress output; FLASH_WARNINGS=default brings them back.
    env.setdefault("PYTHONWARNINGS", env.get("FLASH_WARNINGS", "ignore"))
    env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(config.PROJECT_DIR), env.get("PYTHONPATH")])
    )
    return env


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


def wait_for_http(
    url: str, child: Optional[subprocess.Popen], seconds: float = 60
) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if child is not None and child.poll() is not None:
            raise SetupError(
                f"the server exited with code {child.returncode} during start-up"
            )
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except urllib.error.HTTPError:
            return  # it answered
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    raise SetupError(f"{url} did not answer within {seconds:.0f} s")


def manage(env: Dict[str, str], *args: str) -> None:
    subprocess.run([PYTHON, "-m", "saleor_flash", *args], env=env, check=True)


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


def with_redis_db(url: str, db: int) -> str:
    return urlparse(url)._replace(path=f"/{db}").geturl()


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


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Process supervision for the launcher: setup errors, ports, the processes
it starts (stopped in reverse order, pids kept for a later run to clean up),
the environment they get, and waiting for a server to answer."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Callable, Dict, List, Optional

from .. import config

VAR = config.VAR_DIR
PYTHON = sys.executable


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

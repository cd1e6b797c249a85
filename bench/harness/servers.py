"""The servers under test: a multi-process gunicorn serving our host
(``kind="flash"``) or plain Saleor 2.10.1 (``kind="saleor"``), started with
``make run``'s command line on a free port."""

from __future__ import annotations

import http.client
import json
import os
import secrets
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional
from urllib.parse import urlparse

from saleor_flash import config, devenv

from .output import PROJECT_DIR, progress

LOG_DIR = config.VAR_DIR / "bench"

# Plain Saleor has no key file of its own; both servers get the same key so
# their environments differ only in the settings module and WSGI app. Random
# per benchmark run: production settings (DEBUG off) refuse a published key.
BENCH_SECRET_KEY = secrets.token_urlsafe(48)

SERVER_KINDS = {
    "flash": ("saleor_flash.wsgi:application", "saleor_flash.settings"),
    "saleor": ("saleor.wsgi:application", "saleor.settings"),
}


@dataclass
class Server:
    kind: str
    workers: int
    base_url: str
    process: subprocess.Popen
    log_path: Path

    @property
    def graphql_url(self) -> str:
        return f"{self.base_url}/graphql/"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)

    def cpu_seconds(self) -> float:
        """CPU time (user + system) used so far by the gunicorn master and its
        live workers (Linux /proc). Per request, it is the server's own cost,
        which other work on the machine barely moves, unlike requests/s."""
        pids = [self.process.pid]
        try:
            pids += [
                int(pid)
                for pid in Path(f"/proc/{pids[0]}/task/{pids[0]}/children")
                .read_text()
                .split()
            ]
        except OSError:
            pass
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0.0
        for pid in pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1]
            except OSError:
                continue  # a worker that just exited
            utime, stime = fields.split()[11:13]
            total += (int(utime) + int(stime)) / ticks
        return total

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(
                self.log_path.read_text(errors="replace").splitlines()[-lines:]
            )
        except OSError:
            return ""


def server_env(kind: str, database_url: str, redis_url: str) -> Dict[str, str]:
    _app, settings = SERVER_KINDS[kind]
    env = devenv.base_env(database_url, redis_url, settings)
    env["SECRET_KEY"] = BENCH_SECRET_KEY
    # Both servers in the same mode, as before our default became DEBUG off
    # (Saleor's is on); "True": Saleor parses it with ast.literal_eval.
    env.setdefault("DEBUG", "True")
    # With DEBUG=False (production settings) the host requires the storefront
    # hosts account e-mails may link to; the benchmark sends no e-mail.
    env.setdefault("ALLOWED_CLIENT_HOSTS", "shop.example.com")
    # Every simulated buyer comes from 127.0.0.1: the per-address brakes
    # against hoarding (docs/flash-sales.md "Hoarding") would refuse the
    # herd as one client. Off here, on in production.
    env.setdefault("FLASH_RESERVE_RATE_PER_IP", "0")
    env.setdefault("FLASH_CART_HOLD_RATE_PER_IP", "0")
    return env


def server_threads(kind: str, workers: int) -> int:
    """Our host runs as ``make run`` runs it (FLASH_THREADS, sync workers by
    default); plain Saleor always runs sync workers, its standard setup (it
    has no database lane)."""
    return devenv.server_threads(workers) if kind == "flash" else 1


def server_argv(
    kind: str, port: int, workers: int, threads: Optional[int] = None
) -> List[str]:
    """devenv's gunicorn command, app swapped in (threads per ``server_threads``
    unless given)."""
    app, _settings = SERVER_KINDS[kind]
    threads = server_threads(kind, workers) if threads is None else threads
    argv = devenv.api_server_argv(port, workers, threads)
    argv[argv.index("saleor_flash.wsgi:application")] = app
    return argv


def start_server(
    kind: str,
    workers: int,
    database_url: str,
    redis_url: str,
    startup_timeout: float = 120.0,
    threads: Optional[int] = None,
) -> Server:
    """Start gunicorn for ``kind`` ("flash" or "saleor") and wait until it
    answers; ``threads`` per worker (default ``server_threads``)."""
    if kind not in SERVER_KINDS:
        raise ValueError(
            f"unknown server kind {kind!r}; use one of {sorted(SERVER_KINDS)}"
        )
    port = devenv.free_port()
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    log_path = LOG_DIR / f"{kind}-{port}.log"
    progress(
        f"starting {kind} server ({workers} workers) on port {port}, log {log_path}"
    )
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            server_argv(kind, port, workers, threads),
            env=server_env(kind, database_url, redis_url),
            cwd=str(PROJECT_DIR),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = Server(kind, workers, f"http://127.0.0.1:{port}", process, log_path)
    try:
        devenv.wait_for_http(server.graphql_url, process, startup_timeout)
    except BaseException:
        server.stop()
        tail = server.log_tail()
        if tail:
            progress(f"{kind} server log (last lines):\n{tail}")
        raise
    return server


def graphql_body(query: str, variables: Optional[Dict[str, Any]] = None) -> bytes:
    return json.dumps({"query": query, "variables": variables or {}}).encode()


def post_json(url: str, body: bytes, timeout: float = 30.0) -> Dict[str, Any]:
    """One POST outside the measurement (sanity checks); returns status + JSON."""
    parsed = urlparse(url)
    conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=timeout)
    try:
        conn.request(
            "POST", parsed.path or "/", body, {"Content-Type": "application/json"}
        )
        response = conn.getresponse()
        raw = response.read()
        try:
            data = json.loads(raw)
        except ValueError:
            data = raw[:500].decode(errors="replace")
        return {"status": response.status, "body": data}
    finally:
        conn.close()

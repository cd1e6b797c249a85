"""Shared helpers for the benchmarks in bench/.

- ``machine_info()``: what the numbers were measured on.
- ``start_server(kind, workers, database_url, redis_url)``: a multi-process
  gunicorn serving our host (``kind="flash"``) or plain Saleor 2.10.1
  (``kind="saleor"``) on a free port; returns a ``Server`` with ``base_url`` and
  ``stop()``.
- ``run_load(url, body_bytes, headers, connections, duration_s | requests)``:
  closed-loop HTTP POST load. Uses Debian's ``wrk`` (one event-loop thread, a
  Lua script for the POST body, status counts and latency percentiles) when it
  is installed, else a Python generator (threads + http.client).
- ``percentiles``, ``ratio``, ``median``, ``write_result``, ``progress``.

Client and server share the machine's cores, so the load generator has to be
cheap: wrk with a single thread costs a few per cent of one core at the rates
a 2-worker gunicorn reaches; the Python fallback costs much more (see
``LoadResult.client_cpu_s``).
"""

from __future__ import annotations

import http.client
import json
import os
import platform
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence
from urllib.parse import urlparse

PROJECT_DIR = Path(__file__).resolve().parent.parent
if str(PROJECT_DIR) not in sys.path:
    sys.path.insert(0, str(PROJECT_DIR))

from saleor_flash import config, devenv  # noqa: E402

RESULTS_DIR = Path(__file__).resolve().parent / "results"
LOG_DIR = config.VAR_DIR / "bench"

# Plain Saleor has no key file of its own; both servers get the same fixed key
# so their environments differ only in the settings module and WSGI app.
BENCH_SECRET_KEY = "saleor-flash-bench-only-secret-key-not-for-production-use"

SERVER_KINDS = {
    "flash": ("saleor_flash.wsgi:application", "saleor_flash.settings"),
    "saleor": ("saleor.wsgi:application", "saleor.settings"),
}

WRK_INSTALL_HINT = (
    "wrk is not installed; falling back to the Python load generator, which "
    "competes with the servers for CPU. For cheaper, steadier numbers install "
    "it: apt-get install wrk (Debian/Ubuntu)."
)


def progress(message: str) -> None:
    """A progress line on stderr (stdout is kept for the final JSON line)."""
    print(f"[bench] {message}", file=sys.stderr, flush=True)


# --- machine ------------------------------------------------------------


def _server_versions() -> Dict[str, str]:
    code = (
        "import json, platform, sys\n"
        "from importlib import metadata as m\n"
        "out = {'python': platform.python_version(),"
        " 'python_executable': sys.executable}\n"
        "for name in ('saleor', 'django', 'gunicorn', 'graphene', 'psycopg2-binary'):\n"
        "    try:\n"
        "        out[name] = m.version(name)\n"
        "    except Exception:\n"
        "        pass\n"
        "print(json.dumps(out))\n"
    )
    try:
        output = subprocess.run(
            [devenv.PYTHON, "-c", code],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        ).stdout
        return json.loads(output)
    except (OSError, subprocess.SubprocessError, ValueError) as exc:
        return {"error": str(exc)}


def _cpu_model() -> Optional[str]:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


def _memory_mb() -> Optional[int]:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) // 1024
    except (OSError, ValueError):
        pass
    return None


def machine_info() -> Dict[str, Any]:
    """Cores, the server venv's Python and packages, platform, load at start."""
    versions = _server_versions()
    try:
        load = [round(value, 2) for value in os.getloadavg()]
    except OSError:
        load = None
    return {
        "cores": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "memory_mb": _memory_mb(),
        "platform": platform.platform(),
        "python": versions.pop("python", None),
        "server_packages": versions,
        "loadavg_at_start": load,
    }


# --- servers ------------------------------------------------------------


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


# --- load generation ----------------------------------------------------


@dataclass
class LoadResult:
    generator: str
    connections: int
    duration_s: float
    requests: int
    statuses: Dict[str, int]
    errors: Dict[str, int]
    latency_ms: Dict[str, float]
    client_cpu_s: float
    # Per-request latencies (ms): only the Python generator records them; wrk
    # reports its exact (1 µs resolution) histogram percentiles instead.
    latencies_ms: Optional[List[float]] = field(default=None, repr=False)

    @property
    def rps(self) -> float:
        return self.requests / self.duration_s if self.duration_s else 0.0

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    def summary(self) -> Dict[str, Any]:
        return {
            "rps": round(self.rps, 1),
            "p50_ms": self.latency_ms.get("p50"),
            "p90_ms": self.latency_ms.get("p90"),
            "p99_ms": self.latency_ms.get("p99"),
            "max_ms": self.latency_ms.get("max"),
            "requests": self.requests,
            "errors": self.error_count,
            "error_kinds": {k: v for k, v in sorted(self.errors.items()) if v},
            "statuses": dict(sorted(self.statuses.items())),
            "duration_s": round(self.duration_s, 3),
            "client_cpu_s": round(self.client_cpu_s, 3),
        }


def wrk_path() -> Optional[str]:
    return shutil.which("wrk")


def wrk_version() -> Optional[str]:
    path = wrk_path()
    if not path:
        return None
    output = subprocess.run([path, "--version"], capture_output=True, text=True).stdout
    return output.splitlines()[0].strip() if output else None


def choose_generator(preference: str = "auto") -> str:
    """ "wrk" when installed (or demanded), else "python"."""
    if preference == "python":
        return "python"
    if wrk_path():
        return "wrk"
    if preference == "wrk":
        raise SystemExit(
            "\n[bench] wrk is not installed. Install it (Debian/Ubuntu: "
            "apt-get install wrk) or run with --load-generator python.\n"
        )
    progress(WRK_INSTALL_HINT)
    return "python"


def generator_description(name: str) -> Dict[str, Any]:
    if name == "wrk":
        return {
            "name": "wrk",
            "version": wrk_version(),
            "threads": 1,
            "model": "closed loop: each connection sends its next POST when the "
            "previous response arrived",
            "latency": "wrk's per-request histogram (1 us resolution), "
            "no coordinated-omission correction",
            "why": "one C event-loop thread drives all connections for a few per "
            "cent of a core, so client and servers sharing the machine's cores "
            "skews the servers least",
        }
    return {
        "name": "python-threads",
        "version": platform.python_version(),
        "threads": "one per connection",
        "model": "closed loop: one thread per connection, http.client, "
        "reconnecting when the server closes the connection",
        "latency": "per-request perf_counter timings",
        "why": "fallback because wrk is not installed (apt-get install wrk); it "
        "costs far more client CPU, so rps on few cores is understated",
    }


def run_load(
    url: str,
    body_bytes: bytes,
    headers: Optional[Dict[str, str]] = None,
    connections: int = 1,
    duration_s: Optional[float] = None,
    requests: Optional[int] = None,
    generator: str = "auto",
    timeout_s: float = 30.0,
) -> LoadResult:
    """POST ``body_bytes`` to ``url`` over ``connections`` concurrent connections.

    Runs for ``duration_s`` seconds, or until about ``requests`` responses have
    arrived (wrk overshoots by up to ~0.1 s of traffic: it stops on a timer).
    A request counts as one error when the connection failed or timed out
    (``connect``/``read``/``write``/``timeout``), the status is not 2xx
    (``status``), or a 2xx body holds a GraphQL ``"errors"`` key (``graphql``).
    """
    if (duration_s is None) == (requests is None):
        raise ValueError("give exactly one of duration_s or requests")
    if connections < 1:
        raise ValueError("connections must be >= 1")
    headers = {"Content-Type": "application/json", **(headers or {})}
    name = choose_generator(generator) if generator in ("auto", "wrk") else generator
    if name == "wrk":
        return _run_wrk(
            url, body_bytes, headers, connections, duration_s, requests, timeout_s
        )
    return _run_python(
        url, body_bytes, headers, connections, duration_s, requests, timeout_s
    )


def _lua_long_string(text: str) -> str:
    level = 0
    while f"]{'=' * level}]" in text:
        level += 1
    eq = "=" * level
    return f"[{eq}[{text}]{eq}]"


_WRK_SCRIPT = """
io.write("WRK_SCRIPT_LOADED\\n")
io.flush()
wrk.method = "POST"
wrk.body = %(body)s
%(headers)s
local limit = %(limit)d
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  statuses = {}
  body_errors = 0
  responses = 0
end

function response(status, headers, body)
  local key = tostring(status)
  statuses[key] = (statuses[key] or 0) + 1
  if status < 300 and status >= 200 and body
      and string.find(body, '"errors"', 1, true) then
    body_errors = body_errors + 1
  end
  responses = responses + 1
  if limit > 0 and responses == limit then
    -- wrk's main thread sleeps for the whole -d; the harness answers this
    -- line with SIGINT, which makes wrk stop and report.
    io.write("WRK_LIMIT_REACHED\\n")
    io.flush()
  end
end

function done(summary, latency, requests)
  local all = {}
  local errs = 0
  for _, thread in ipairs(threads) do
    local s = thread:get("statuses")
    for k, v in pairs(s) do
      all[k] = (all[k] or 0) + v
    end
    errs = errs + thread:get("body_errors")
  end
  local parts = {}
  for k, v in pairs(all) do
    table.insert(parts, string.format('"%%s": %%d', k, v))
  end
  local e = summary.errors
  io.write("WRK_JSON ", string.format(
    '{"requests": %%d, "duration_us": %%d, "connect": %%d, "read": %%d, '
    .. '"write": %%d, "status": %%d, "timeout": %%d, "graphql": %%d, '
    .. '"p50": %%d, "p90": %%d, "p99": %%d, "max": %%d, "statuses": {%%s}}',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status,
    e.timeout, errs, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, table.concat(parts, ", ")), "\\n")
end
"""


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run_wrk(
    url, body, headers, connections, duration_s, requests, timeout_s
) -> LoadResult:
    header_lines = "\n".join(
        f"wrk.headers[ {_lua_long_string(k)} ] = {_lua_long_string(v)}"
        for k, v in headers.items()
    )
    script = _WRK_SCRIPT % {
        "body": _lua_long_string(body.decode()),
        "headers": header_lines,
        "limit": requests or 0,
    }
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
        script_path = handle.name
    # requests mode: run until the Lua limit stops the (single) thread.
    seconds = duration_s if duration_s is not None else 24 * 3600
    argv = [
        wrk_path() or "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        f"--timeout={max(1, round(timeout_s))}s",
        "-s",
        script_path,
        url,
    ]
    cpu_before = _children_cpu()
    lines: List[str] = []
    process = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        loaded = False
        for raw in process.stdout:
            lines.append(raw.rstrip("\n"))
            if raw.startswith("WRK_SCRIPT_LOADED"):
                loaded = True
            elif raw.startswith("Running") and not loaded:
                # wrk reports a Lua error on stderr and then runs without
                # the script; don't wait out the whole -d for that.
                process.kill()
            elif raw.startswith("WRK_LIMIT_REACHED"):
                process.send_signal(signal.SIGINT)
        stderr = process.stderr.read() if process.stderr else ""
        process.wait()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.unlink(script_path)
    cpu = _children_cpu() - cpu_before
    line = next((x for x in lines if x.startswith("WRK_JSON ")), None)
    if process.returncode != 0 or line is None:
        output = stderr.strip() or "\n".join(lines).strip()
        raise RuntimeError(f"wrk failed (exit {process.returncode}): {output}")
    data = json.loads(line[len("WRK_JSON ") :])
    statuses = {str(k): int(v) for k, v in data["statuses"].items()}
    non_2xx = sum(v for k, v in statuses.items() if not k.startswith("2"))
    errors = {
        "connect": data["connect"],
        "read": data["read"],
        "write": data["write"],
        "timeout": data["timeout"],
        "status": non_2xx,
        "graphql": data["graphql"],
    }
    return LoadResult(
        generator="wrk",
        connections=connections,
        duration_s=data["duration_us"] / 1e6,
        requests=data["requests"],
        statuses=statuses,
        errors=errors,
        latency_ms={
            k: round(data[k] / 1000.0, 3) for k in ("p50", "p90", "p99", "max")
        },
        client_cpu_s=cpu,
    )


def _run_python(
    url, body, headers, connections, duration_s, requests, timeout_s
) -> LoadResult:
    parsed = urlparse(url)
    host, port, path = parsed.hostname, parsed.port or 80, parsed.path or "/"
    lock = threading.Lock()
    latencies: List[float] = []
    statuses: Counter = Counter()
    errors: Counter = Counter()
    remaining = [requests if requests is not None else -1]
    start_gate = threading.Event()
    deadline = [0.0]

    def take_ticket() -> bool:
        if remaining[0] < 0:
            return time.perf_counter() < deadline[0]
        with lock:
            if remaining[0] == 0:
                return False
            remaining[0] -= 1
            return True

    def worker() -> None:
        mine: List[float] = []
        my_status: Counter = Counter()
        my_errors: Counter = Counter()
        conn = http.client.HTTPConnection(host, port, timeout=timeout_s)
        start_gate.wait()
        while take_ticket():
            began = time.perf_counter()
            try:
                conn.request("POST", path, body, headers)
                response = conn.getresponse()
                payload = response.read()
                if response.will_close:
                    conn.close()
            except OSError as exc:
                key = "timeout" if "timed out" in str(exc) else "connect"
                my_errors[key] += 1
                conn.close()
                continue
            mine.append((time.perf_counter() - began) * 1000.0)
            my_status[str(response.status)] += 1
            if not 200 <= response.status < 300:
                my_errors["status"] += 1
            elif b'"errors"' in payload:
                my_errors["graphql"] += 1
        conn.close()
        with lock:
            latencies.extend(mine)
            statuses.update(my_status)
            errors.update(my_errors)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(connections)]
    for thread in threads:
        thread.start()
    cpu_before = time.process_time()
    began = time.perf_counter()
    deadline[0] = began + (duration_s or 0)
    start_gate.set()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    cpu = time.process_time() - cpu_before
    for key in ("connect", "read", "write", "timeout", "status", "graphql"):
        errors.setdefault(key, 0)
    return LoadResult(
        generator="python-threads",
        connections=connections,
        duration_s=elapsed,
        requests=len(latencies),
        statuses=dict(statuses),
        errors=dict(errors),
        latency_ms=percentiles(latencies),
        client_cpu_s=cpu,
        latencies_ms=latencies,
    )


# --- statistics and output ----------------------------------------------


def percentiles(latencies: Sequence[float]) -> Dict[str, Optional[float]]:
    """p50/p90/p99/max (nearest rank) of latencies in ms."""
    if not latencies:
        return {"p50": None, "p90": None, "p99": None, "max": None}
    ordered = sorted(latencies)
    n = len(ordered)

    def rank(p: float) -> float:
        index = max(0, min(n - 1, -(-p * n // 100) - 1))  # ceil(p*n/100) - 1
        return round(ordered[int(index)], 3)

    return {
        "p50": rank(50),
        "p90": rank(90),
        "p99": rank(99),
        "max": round(ordered[-1], 3),
    }


def median(values: Iterable[Optional[float]]) -> Optional[float]:
    present = sorted(v for v in values if v is not None)
    if not present:
        return None
    mid = len(present) // 2
    if len(present) % 2:
        return present[mid]
    return (present[mid - 1] + present[mid]) / 2


def medians_of(
    runs: Sequence[Dict[str, Any]], keys: Iterable[str], digits: int = 3
) -> Dict[str, Optional[float]]:
    """The median of each key over runs (None where no run has it), rounded."""
    medians = {}
    for key in keys:
        value = median(run[key] for run in runs)
        medians[key] = round(value, digits) if value is not None else None
    return medians


def ratio(a: Optional[float], b: Optional[float], digits: int = 3) -> Optional[float]:
    """a / b rounded, or None when either is missing or b is zero."""
    if a is None or b is None or b == 0:
        return None
    return round(a / b, digits)


def write_result(name: str, payload: Dict[str, Any]) -> Path:
    """Write bench/results/<name>.json (pretty, sorted keys).

    Then print the payload as one compact JSON object: the last stdout line.
    """
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(payload, indent=2, sort_keys=True) + "\n")
    os.replace(tmp, path)
    progress(f"wrote {path.relative_to(PROJECT_DIR)}")
    sys.stderr.flush()
    print(json.dumps(payload, sort_keys=True, separators=(",", ":")), flush=True)
    return path


def interrupt_on_sigterm() -> None:
    """Turn SIGTERM into KeyboardInterrupt so ``finally`` blocks stop servers."""

    def _raise(_signum, _frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _raise)

"""The wrk load generator: one C event-loop thread, a Lua script for the
POST body, status counts and wrk's own latency percentiles."""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import subprocess
import tempfile
from typing import List, Optional

from .load_result import LoadResult


def wrk_path() -> Optional[str]:
    return shutil.which("wrk")


def wrk_version() -> Optional[str]:
    path = wrk_path()
    if not path:
        return None
    output = subprocess.run([path, "--version"], capture_output=True, text=True).stdout
    return output.splitlines()[0].strip() if output else None


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


def run(url, body, headers, connections, duration_s, requests, timeout_s) -> LoadResult:
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

"""Closed-loop HTTP POST load with wrk when installed, else Python threads."""

from __future__ import annotations

import platform
from typing import Any, Dict, Optional

from . import python_load, wrk
from .load_result import LoadResult
from .output import progress

WRK_INSTALL_HINT = (
    "wrk is not installed; falling back to the Python load generator, which "
    "competes with the servers for CPU. For cheaper, steadier numbers install "
    "it: apt-get install wrk (Debian/Ubuntu)."
)


def choose_generator(preference: str = "auto") -> str:
    """ "wrk" when installed (or demanded), else "python"."""
    if preference == "python":
        return "python"
    if wrk.wrk_path():
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
            "version": wrk.wrk_version(),
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
    make_request: Optional[python_load.MakeRequest] = None,
) -> LoadResult:
    """POST ``body_bytes`` to ``url`` over ``connections`` concurrent connections.

    Runs for ``duration_s`` seconds, or until about ``requests`` responses have
    arrived (wrk overshoots by up to ~0.1 s of traffic: it stops on a timer).
    A request counts as one error when the connection failed or timed out
    (``connect``/``read``/``write``/``timeout``), the status is not 2xx
    (``status``), or a 2xx body holds a GraphQL ``"errors"`` key (``graphql``).
    ``make_request`` builds every request afresh (path, body, headers; e.g. a
    new signature and nonce each time); only the Python generator can.
    """
    if (duration_s is None) == (requests is None):
        raise ValueError("give exactly one of duration_s or requests")
    if connections < 1:
        raise ValueError("connections must be >= 1")
    headers = {"Content-Type": "application/json", **(headers or {})}
    if make_request is not None:
        return python_load.run(
            url,
            b"",
            headers,
            connections,
            duration_s,
            requests,
            timeout_s,
            make_request=make_request,
        )
    name = choose_generator(generator) if generator in ("auto", "wrk") else generator
    if name == "wrk":
        return wrk.run(
            url, body_bytes, headers, connections, duration_s, requests, timeout_s
        )
    return python_load.run(
        url, body_bytes, headers, connections, duration_s, requests, timeout_s
    )

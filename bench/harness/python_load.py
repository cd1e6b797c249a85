"""The Python load generator (one thread per connection, http.client): the
fallback when wrk is missing; it costs far more client CPU."""

from __future__ import annotations

import http.client
import threading
import time
from collections import Counter
from typing import Callable, Dict, List, Optional, Tuple
from urllib.parse import urlparse

from .load_result import LoadResult
from .stats import percentiles

# A fresh request per send: (path, body, headers) (signed APIs: new nonce,
# timestamp and signature every time).
MakeRequest = Callable[[], Tuple[str, bytes, Dict[str, str]]]


def run(
    url,
    body,
    headers,
    connections,
    duration_s,
    requests,
    timeout_s,
    make_request: Optional[MakeRequest] = None,
) -> LoadResult:
    """``make_request`` (optional) builds each request instead of resending
    ``body``/``headers`` to ``url``'s path; its cost counts as client CPU."""
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
            if make_request is not None:
                send_path, send_body, send_headers = make_request()
            else:
                send_path, send_body, send_headers = path, body, headers
            began = time.perf_counter()
            try:
                conn.request("POST", send_path, send_body, send_headers)
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

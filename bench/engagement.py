"""Engagement benchmark.

(1) Ingestion: POST /events/v1/batch (batches of 20 new events, 32 clients)
beside a bench-only bare endpoint on the same gunicorn that inserts the same
rows with one INSERT, and the GraphQL floor query ``{ shop { name } }`` on
the same server and concurrency; a Celery worker drains the queue meanwhile.
(2) The funnel of one sale over 30 days with a small and a large event table
(loaded with COPY, rolled up): p99 of ``statistics.funnel`` in process.

    DEBUG=False .venv/bin/python bench/engagement.py [--duration 15]
        [--small 10000] [--large 1000000] [--skip-ingestion] [--skip-funnel]

The last stdout line is the result (one JSON object), also written to
bench/results/engagement.json. Loads events into the resolved database's
engagement_event table (use a scratch DATABASE_URL).
"""

from __future__ import annotations

import argparse
import http.client
import io
import json
import os
import random
import subprocess
import sys
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable, Dict, List
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DEBUG", "False")

from bench import harness  # noqa: E402
from bench.harness import progress  # noqa: E402
from saleor_flash import devenv  # noqa: E402

NAME = "engagement"
harness.SERVER_KINDS["flash_events"] = (
    "saleor_flash.wsgi:application",
    "bench.engagement_settings",
)


def batch_body(key: str) -> bytes:
    now = datetime.now(timezone.utc).isoformat()
    events = [
        {
            "event_id": str(uuid.uuid4()),
            "kind": "view",
            "client_id": "bench-client",
            "timestamp": now,
            "page": "product",
            "product_id": 1 + n % 7,
            "entry_point": "website",
        }
        for n in range(20)
    ]
    return json.dumps({"events": events}).encode()


def closed_loop(
    url: str, make_body: Callable[[], bytes], headers, connections, seconds
):
    """``connections`` threads, each POSTing its next request when the last
    answered; returns rps, p50/p99 ms and errors."""
    parsed = urlparse(url)
    latencies: List[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client():
        mine = []
        bad = 0
        while time.monotonic() < stop_at:
            body = make_body()
            started = time.perf_counter()
            try:
                conn = http.client.HTTPConnection(
                    parsed.hostname, parsed.port, timeout=30
                )
                conn.request("POST", parsed.path, body, headers)
                response = conn.getresponse()
                response.read()
                conn.close()
                if not 200 <= response.status < 300:
                    bad += 1
            except OSError:
                bad += 1
            mine.append(time.perf_counter() - started)
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    threads = [threading.Thread(target=client) for _ in range(connections)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - began
    stats = harness.percentiles([value * 1000 for value in latencies])
    return {
        "requests": len(latencies),
        "rps": round(len(latencies) / elapsed, 1),
        "p50_ms": stats.get("p50"),
        "p99_ms": stats.get("p99"),
        "errors": errors[0],
    }


def measure_ingestion(args, database_url, redis_url) -> Dict:
    env = harness.server_env("flash", database_url, redis_url)
    env["FLASH_EVENTS_RATE_PER_IP"] = "0"
    env["FLASH_EVENTS_RATE_PER_KEY"] = "0"
    os.environ.update(FLASH_EVENTS_RATE_PER_IP="0", FLASH_EVENTS_RATE_PER_KEY="0")
    key = _bench_key(env)
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "saleor_flash.celeryconf:app",
            "worker",
            "-c",
            "1",
            "-l",
            "warning",
        ],
        env=env,
        cwd=str(harness.PROJECT_DIR),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = harness.start_server("flash_events", args.workers, database_url, redis_url)
    try:
        base = server.base_url
        targets = {
            "ingest": (
                f"{base}/events/v1/batch",
                lambda: batch_body(key),
                {"Content-Type": "application/json", "X-Flash-Key": key},
            ),
            "bare_insert": (
                f"{base}/bench/bare-events",
                lambda: batch_body(key),
                {"Content-Type": "application/json"},
            ),
            "graphql_floor": (
                f"{base}/graphql/",
                lambda: b'{"query": "{ shop { name } }"}',
                {"Content-Type": "application/json"},
            ),
        }
        for _name, (url, body, headers) in targets.items():
            closed_loop(url, body, headers, args.connections, 3)  # warm-up
        runs: Dict[str, List[Dict]] = {name: [] for name in targets}
        for run in range(args.runs):
            for name, (url, body, headers) in targets.items():
                result = closed_loop(
                    url, body, headers, args.connections, args.duration
                )
                runs[name].append(result)
                progress(f"run {run + 1} {name:14s} {result}")
    finally:
        server.stop()
        worker.terminate()
        worker.wait(15)
    medians = {
        name: harness.medians_of(values, ("rps", "p50_ms", "p99_ms"))
        for name, values in runs.items()
    }
    ingest, bare, floor = (
        medians["ingest"],
        medians["bare_insert"],
        medians["graphql_floor"],
    )
    return {
        "connections": args.connections,
        "batch_events": 20,
        "results": medians,
        "runs": runs,
        "events_per_s": {
            "ingest": round(ingest["rps"] * 20, 1),
            "bare_insert": round(bare["rps"] * 20, 1),
        },
        "ratios": {
            "ingest_vs_bare_rps": harness.ratio(ingest["rps"], bare["rps"]),
            "ingest_p99_vs_graphql_floor_p99": harness.ratio(
                ingest["p99_ms"], floor["p99_ms"]
            ),
        },
        "goals": {
            "ingest_vs_bare_rps": ">= 0.8",
            "ingest_p99_vs_graphql_floor_p99": "<= 1.2",
        },
    }


def _bench_key(env) -> str:
    output = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "from plugins.engagement.models import EventKey;"
            "print(EventKey.objects.get_or_create(name='bench')[0].public_key)",
        ],
        env=env,
        cwd=str(harness.PROJECT_DIR),
        capture_output=True,
        text=True,
        check=True,
    )
    return output.stdout.strip().splitlines()[-1]


# ------------------------------------------------------------------ funnel

SALES, PRODUCTS, CHANNELS = 20, 50, 3
KINDS = (
    ["view"] * 10
    + ["page_leave"] * 6
    + ["favourite", "share"]
    + ["add_to_cart"] * 3
    + ["checkout_started", "checkout_completed", "purchase"]
)


ENTRY_POINTS = ["social", "website", "channel_app", "newsletter", "landing_page"]
NULL = "\\N"


def _copy_events(count: int, now: datetime) -> None:
    from django.db import connection

    from plugins.engagement import storage

    start = now - timedelta(days=30)
    storage.ensure_partitions({(start + timedelta(days=d)).date() for d in range(32)})
    rng = random.Random(count)
    chunk = 200_000
    columns = (
        "event_id, occurred_at, received_at, kind, channel_id, sale_id, "
        "product_id, entry_point, session_id, time_on_page_ms"
    )
    written = 0
    while written < count:
        buffer = io.StringIO()
        for _ in range(min(chunk, count - written)):
            moment = start + timedelta(seconds=rng.random() * 30 * 86400)
            kind = rng.choice(KINDS)
            buffer.write(
                f"{uuid.UUID(int=rng.getrandbits(128))}\t{moment.isoformat()}\t"
                f"{moment.isoformat()}\t{kind}\t{rng.randint(1, CHANNELS)}\t"
                f"{rng.randint(1, SALES)}\t{rng.randint(1, PRODUCTS)}\t"
                f"{rng.choice(ENTRY_POINTS)}\t"
                f"s{rng.getrandbits(40)}\t"
                f"{rng.randint(500, 90000) if kind == 'page_leave' else NULL}\n"
            )
        buffer.seek(0)
        with connection.cursor() as cursor:
            cursor.cursor.copy_expert(
                f"COPY engagement_event ({columns}) FROM STDIN", buffer
            )
        written += min(chunk, count - written)
        progress(f"COPY {written}/{count}")
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO engagement_dirtyhour (hour, generation) "
            "SELECT hour, nextval('engagement_dirty_generation') FROM ("
            " SELECT DISTINCT date_trunc('hour', occurred_at) AS hour"
            " FROM engagement_event) h "
            "ON CONFLICT (hour) DO NOTHING"
        )
        cursor.execute("ANALYZE engagement_event")


def measure_funnel(size: int, calls: int) -> Dict:
    from django.db import connection

    from plugins.engagement import rollups, statistics

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE engagement_event, engagement_hourlyrollup, "
            "engagement_timeonpagerollup, "
            "engagement_dirtyhour, engagement_scoperollup"
        )
    now = datetime.now(timezone.utc)
    began = time.monotonic()
    _copy_events(size, now)
    loaded = time.monotonic() - began
    began = time.monotonic()
    rollups.roll_dirty_hours()
    rolled = time.monotonic() - began
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE engagement_scoperollup")
    scope = statistics.Scope(since=now - timedelta(days=30), until=now, sale_id=3)
    for _ in range(20):
        statistics.funnel(scope)
    timings = []
    for _ in range(calls):
        started = time.perf_counter()
        steps = statistics.funnel(scope)
        timings.append((time.perf_counter() - started) * 1000)
    stats = harness.percentiles(timings)
    progress(
        f"funnel with {size} events: {stats} "
        f"(load {loaded:.0f} s, roll-up {rolled:.0f} s)"
    )
    return {
        "events": size,
        "load_s": round(loaded, 1),
        "rollup_s": round(rolled, 1),
        "p50_ms": stats.get("p50"),
        "p99_ms": stats.get("p99"),
        "views_of_sale": steps[0].count,
        "calls": calls,
    }


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=15.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--skip-ingestion", action="store_true")
    parser.add_argument("--skip-funnel", action="store_true")
    args = parser.parse_args(argv)
    harness.interrupt_on_sigterm()
    started = time.time()
    services = devenv.Services()
    result: Dict = {
        "benchmark": NAME,
        "started_at": datetime.now(timezone.utc).isoformat(),
        "machine": harness.machine_info(),
        "debug": os.environ.get("DEBUG"),
        "load_generator": "python threads (http.client, new connection per request)",
    }
    try:
        database_url = devenv.resolve_database(services)
        redis_url = devenv.resolve_redis(services)
        env = harness.server_env("flash", database_url, redis_url)
        devenv.manage(env, "migrate", "--no-input", "-v", "0")
        if not args.skip_ingestion:
            result["ingestion"] = measure_ingestion(args, database_url, redis_url)
        if not args.skip_funnel:
            os.environ.update(env)
            import django

            django.setup()
            small = measure_funnel(args.small, args.calls)
            large = measure_funnel(args.large, args.calls)
            result["funnel"] = {
                "small": small,
                "large": large,
                "p99_growth": harness.ratio(large["p99_ms"], small["p99_ms"]),
                "goal": "p99 growth <= 1.5 (10 thousand -> 10 million events)",
            }
    finally:
        services.stop_all()
    result["elapsed_s"] = round(time.time() - started, 1)
    harness.write_result(NAME, result)
    print(json.dumps(result, separators=(",", ":")))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

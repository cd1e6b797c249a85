"""The cost of one request inside the server, our host vs plain Saleor.

graphql_floor measures through HTTP on a machine that other work shares, so
its ratios move by ±20 % with the load. This measures what the host adds per
request without HTTP and with as little noise as the machine allows: each
host's WSGI application is called in-process (as gunicorn calls it) for the
floor's query and mutation, and for each we report

- ``sql``: the SQL queries one request runs;
- ``calls``: Python function calls per request (cProfile): deterministic, so
  two hosts compare exactly whatever the load;
- ``cpu_ms``: CPU time per request, the minimum over ``--rounds`` rounds of
  ``--requests`` requests (the least disturbed round), the two hosts'
  processes taking turns.

    .venv/bin/python bench/request_cost.py [--rounds 5] [--requests 300]

It uses DATABASE_URL / REDIS_URL like the other benchmarks (migrated, with a
Site: `make run` once) and DEBUG from the environment. Progress goes to
stderr; the last stdout line is the result as JSON, also written to
bench/results/request_cost.json (or --result-name).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Dict, List

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness  # noqa: E402
from bench.graphql_floor import OPERATIONS  # noqa: E402
from saleor_flash import devenv  # noqa: E402

# Runs inside each host's process: argv = rounds, requests per round.
MEASURE = r"""
import cProfile, io, json, pstats, sys, time
from django.core.wsgi import get_wsgi_application
from django.db import connection

app = get_wsgi_application()
operations = json.loads(sys.argv[1])
rounds, per_round = int(sys.argv[2]), int(sys.argv[3])

def call(body):
    environ = {
        "REQUEST_METHOD": "POST", "PATH_INFO": "/graphql/", "SCRIPT_NAME": "",
        "QUERY_STRING": "", "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)), "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000", "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1:8000", "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr,
        "wsgi.multithread": False, "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    statuses = []
    result = app(environ, lambda status, headers: statuses.append(status))
    payload = b"".join(result)
    result.close()
    assert statuses[0].startswith("200") and b'"errors"' not in payload, payload
    return payload

out = {}
for name, query in operations.items():
    body = json.dumps({"query": query}).encode()
    for _ in range(50):
        call(body)
    sql = []
    with connection.execute_wrapper(
        lambda execute, text, *rest: (sql.append(text), execute(text, *rest))[1]
    ):
        call(body)
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(100):
        call(body)
    profile.disable()
    cpu = []
    for _ in range(rounds):
        started = time.process_time()
        for _ in range(per_round):
            call(body)
        cpu.append((time.process_time() - started) * 1000 / per_round)
    out[name] = {
        "sql": len(sql),
        "calls": round(pstats.Stats(profile).total_calls / 100, 1),
        "cpu_ms_rounds": [round(x, 4) for x in cpu],
    }
print("RESULT " + json.dumps(out))
"""


def parse_args(argv: List[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="turns per host")
    parser.add_argument("--requests", type=int, default=300, help="per round")
    parser.add_argument("--result-name", default="request_cost")
    return parser.parse_args(argv)


def measure(kind: str, env: Dict[str, str], rounds: int, per_round: int) -> Dict:
    output = subprocess.run(
        [
            devenv.PYTHON,
            "-c",
            MEASURE,
            json.dumps(OPERATIONS),
            str(rounds),
            str(per_round),
        ],
        env=env,
        cwd=str(harness.PROJECT_DIR),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    line = next(x for x in output.splitlines() if x.startswith("RESULT "))
    return json.loads(line[len("RESULT ") :])


def main(argv: List[str]) -> int:
    args = parse_args(argv)
    started = time.time()
    machine = harness.machine_info()
    services = devenv.Services()
    try:
        database_url = devenv.resolve_database(services)
        redis_url = devenv.resolve_redis(services)
        envs = {
            kind: harness.server_env(kind, database_url, redis_url)
            for kind in harness.SERVER_KINDS
        }
        turns: Dict[str, List[Dict[str, Any]]] = {kind: [] for kind in envs}
        # Short turns, alternating, so slow phases of the machine hit both.
        for turn in range(args.rounds):
            for kind in envs if turn % 2 == 0 else reversed(list(envs)):
                turns[kind].append(measure(kind, envs[kind], 1, args.requests))
                harness.progress(f"turn {turn + 1}/{args.rounds} {kind} done")
    finally:
        services.stop_all()
    results: Dict[str, Any] = {}
    for kind, measured in turns.items():
        results[kind] = {}
        for op in OPERATIONS:
            rounds = [m[op]["cpu_ms_rounds"][0] for m in measured]
            results[kind][op] = {
                "sql": measured[0][op]["sql"],
                "calls": measured[0][op]["calls"],
                "cpu_ms": round(min(rounds), 4),
                "cpu_ms_turns": rounds,
            }
    ratios = {
        op: {
            "calls": harness.ratio(
                results["flash"][op]["calls"], results["saleor"][op]["calls"]
            ),
            "cpu_ms": harness.ratio(
                results["flash"][op]["cpu_ms"], results["saleor"][op]["cpu_ms"]
            ),
        }
        for op in OPERATIONS
    }
    payload = {
        "benchmark": "request_cost",
        "started_at": datetime.datetime.fromtimestamp(started, datetime.timezone.utc)
        .replace(microsecond=0)
        .isoformat(),
        "config": {
            "rounds": args.rounds,
            "requests_per_round": args.requests,
            "debug_env": os.environ.get("DEBUG", "(unset: Saleor default True)"),
        },
        "operations": OPERATIONS,
        "machine": machine,
        "results": results,
        "ratios": ratios,
    }
    harness.write_result(args.result_name, payload)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""GraphQL floor: the cheapest query and mutation, our host vs plain Saleor.

Starts a multi-process gunicorn for our host (saleor_flash) and one for plain
Saleor 2.10.1 against the same database, then measures requests/s and latency
percentiles for ``{ shop { name } }`` and a no-op mutation at several
connection counts, interleaving the two servers so drift hits both alike.
Plain Saleor is the baseline: ``ratios`` are flash / saleor.

    .venv/bin/python bench/graphql_floor.py [--workers 2] [--connections 1,16,64]
        [--duration 10] [--runs 1] [--warmup 3] [--load-generator auto|wrk|python]
        [--result-name graphql_floor]

Progress goes to stderr; the last stdout line is the result as one JSON object,
also written to bench/results/graphql_floor.json.
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness  # noqa: E402
from bench.harness import progress  # noqa: E402
from saleor_flash import devenv  # noqa: E402

NAME = "graphql_floor"

OPERATIONS = {
    # Reads the site settings: one or two indexed queries, no auth.
    "query": "{ shop { name } }",
    # Saleor 2.10's tokenVerify: decodes the JWT in memory and returns null for
    # an invalid token; no database row is read or written (tokenCreate with a
    # wrong password would run a password hash and a user lookup instead).
    "mutation": 'mutation { tokenVerify(token: "x") { payload } }',
}


def parse_args(argv: List[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--workers", type=int, default=2, help="gunicorn workers per server"
    )
    parser.add_argument(
        "--connections",
        default="1,16,64",
        help="comma-separated concurrency levels (default 1,16,64)",
    )
    parser.add_argument(
        "--duration", type=float, default=10.0, help="seconds per measurement"
    )
    parser.add_argument(
        "--runs",
        type=int,
        default=1,
        help="repeat every measurement; medians are reported",
    )
    parser.add_argument(
        "--warmup", type=float, default=3.0, help="warm-up seconds per operation"
    )
    parser.add_argument(
        "--servers",
        default="flash,saleor",
        help="which servers to measure (default flash,saleor; ratios need both)",
    )
    parser.add_argument(
        "--load-generator",
        choices=["auto", "wrk", "python"],
        default="auto",
        help="auto = wrk when installed, else Python threads",
    )
    parser.add_argument(
        "--result-name",
        default=NAME,
        help="write bench/results/<name>.json (default graphql_floor)",
    )
    parser.add_argument(
        "--no-migrate",
        action="store_true",
        help="skip `migrate` (it is idempotent and only applies missing migrations)",
    )
    args = parser.parse_args(argv)
    args.connections = [int(x) for x in args.connections.split(",") if x.strip()]
    args.servers = [x.strip() for x in args.servers.split(",") if x.strip()]
    for kind in args.servers:
        if kind not in harness.SERVER_KINDS:
            parser.error(f"unknown server {kind!r}; use flash and/or saleor")
    if not args.connections or min(args.connections) < 1:
        parser.error("--connections needs positive integers")
    if args.runs < 1 or args.duration <= 0 or args.workers < 1:
        parser.error("--runs, --duration and --workers must be positive")
    return args


def sanity_check(server: harness.Server) -> Dict[str, Any]:
    """One request per operation; fail loudly on an unexpected answer."""
    samples = {}
    for op, query in OPERATIONS.items():
        reply = harness.post_json(server.graphql_url, harness.graphql_body(query))
        body = reply["body"]
        ok = reply["status"] == 200 and isinstance(body, dict) and "errors" not in body
        if op == "query":
            ok = ok and bool(((body.get("data") or {}).get("shop") or {}).get("name"))
        if not ok:
            raise SystemExit(
                f"\n[bench] {server.kind} answered {op} {query!r} with HTTP "
                f"{reply['status']}: {body!r}. Is the database migrated? Try "
                "`make run` once, or drop --no-migrate.\n"
            )
        samples[op] = body
    return samples


def warm_up(server: harness.Server, args: argparse.Namespace) -> None:
    connections = max(args.connections)
    progress(
        f"warming up {server.kind} server ({server.workers} workers): "
        f"{args.warmup:g} s per operation at {connections} connections ..."
    )
    for query in OPERATIONS.values():
        harness.run_load(
            server.graphql_url,
            harness.graphql_body(query),
            connections=connections,
            duration_s=args.warmup,
            generator=args.generator,
        )


def aggregate(runs: List[Dict[str, Any]]) -> Dict[str, Any]:
    return {
        **harness.medians_of(
            runs, ("rps", "p50_ms", "p90_ms", "p99_ms", "server_cpu_ms_per_request")
        ),
        "max_ms": max(
            (run["max_ms"] for run in runs if run["max_ms"] is not None), default=None
        ),
        "errors": sum(run["errors"] for run in runs),
        "requests": sum(run["requests"] for run in runs),
        "client_cpu_s": round(sum(run["client_cpu_s"] for run in runs), 3),
        "runs": runs,
    }


def measure(
    servers: Dict[str, harness.Server], args: argparse.Namespace
) -> Dict[str, Dict[str, Dict[str, List[Dict[str, Any]]]]]:
    raw = {
        kind: {op: {str(c): [] for c in args.connections} for op in OPERATIONS}
        for kind in servers
    }
    kinds = list(servers)
    total = args.runs * len(OPERATIONS) * len(args.connections) * len(kinds)
    done = 0
    for run in range(args.runs):
        # Alternate which server goes first so neither always gets the
        # "fresher" machine.
        order = kinds if run % 2 == 0 else list(reversed(kinds))
        for op, query in OPERATIONS.items():
            body = harness.graphql_body(query)
            for connections in args.connections:
                for kind in order:
                    done += 1
                    cpu_before = servers[kind].cpu_seconds()
                    result = harness.run_load(
                        servers[kind].graphql_url,
                        body,
                        connections=connections,
                        duration_s=args.duration,
                        generator=args.generator,
                    )
                    server_cpu_s = servers[kind].cpu_seconds() - cpu_before
                    summary = result.summary()
                    summary["server_cpu_ms_per_request"] = (
                        round(server_cpu_s * 1000 / result.requests, 3)
                        if result.requests
                        else None
                    )
                    raw[kind][op][str(connections)].append(summary)
                    progress(
                        f"[{done}/{total}] run {run + 1} {kind:6s} {op:8s} "
                        f"c={connections:<3d} {summary['rps']:8.1f} req/s  "
                        f"p50 {summary['p50_ms']} ms  p99 {summary['p99_ms']} ms  "
                        f"server CPU {summary['server_cpu_ms_per_request']} ms/req  "
                        f"errors {summary['errors']}"
                    )
    return raw


def build_ratios(results: Dict[str, Any], connections: List[int]) -> Dict[str, Any]:
    if not ("flash" in results and "saleor" in results):
        return {}
    ratios: Dict[str, Any] = {}
    for op in OPERATIONS:
        ratios[op] = {}
        for c in connections:
            flash, saleor = results["flash"][op][str(c)], results["saleor"][op][str(c)]
            ratios[op][str(c)] = {
                "rps": harness.ratio(flash["rps"], saleor["rps"]),
                "p50": harness.ratio(flash["p50_ms"], saleor["p50_ms"]),
                "p99": harness.ratio(flash["p99_ms"], saleor["p99_ms"]),
                **paired_ratios(flash["runs"], saleor["runs"]),
            }
    return ratios


def paired_ratios(flash_runs: List[Dict[str, Any]], saleor_runs: List[Dict[str, Any]]):
    """Medians of each run's own ratio: the two measurements of a run ran back
    to back, so load from other work on the machine hits both alike, while it
    moves the medians of separate runs apart."""
    pairs = list(zip(flash_runs, saleor_runs))

    def median_ratio(key: str) -> Optional[float]:
        value = harness.median(harness.ratio(f[key], s[key], 6) for f, s in pairs)
        return round(value, 3) if value is not None else None

    return {
        "rps_paired": median_ratio("rps"),
        "p50_paired": median_ratio("p50_ms"),
        "server_cpu_per_request": median_ratio("server_cpu_ms_per_request"),
    }


def main(argv: List[str]) -> int:
    args = parse_args(argv)
    harness.interrupt_on_sigterm()
    started = time.time()
    machine = harness.machine_info()
    args.generator = harness.choose_generator(args.load_generator)
    services = devenv.Services()
    servers: Dict[str, harness.Server] = {}
    try:
        database_url = devenv.resolve_database(services)
        redis_url = devenv.resolve_redis(services)
        if not args.no_migrate:
            progress("applying missing migrations (idempotent) ...")
            env = harness.server_env("flash", database_url, redis_url)
            devenv.manage(env, "migrate", "--no-input", "-v", "0")
        samples = {}
        for kind in args.servers:
            servers[kind] = harness.start_server(
                kind, args.workers, database_url, redis_url
            )
            samples[kind] = sanity_check(servers[kind])
        for server in servers.values():
            warm_up(server, args)
        raw = measure(servers, args)
    except KeyboardInterrupt:
        progress("interrupted: stopping the servers ...")
        return 130
    finally:
        for server in servers.values():
            server.stop()
        services.stop_all()
        if servers:
            progress("servers stopped")

    results = {
        kind: {
            op: {c: aggregate(runs) for c, runs in per_conn.items()}
            for op, per_conn in per_op.items()
        }
        for kind, per_op in raw.items()
    }
    payload = {
        "benchmark": NAME,
        "started_at": datetime.datetime.fromtimestamp(started, datetime.timezone.utc)
        .replace(microsecond=0)
        .isoformat(),
        "elapsed_s": round(time.time() - started, 1),
        "baseline": "saleor",
        "config": {
            "workers": args.workers,
            "connections": args.connections,
            "duration_s": args.duration,
            "runs": args.runs,
            "warmup_s": args.warmup,
            "servers": args.servers,
            "gunicorn_argv": harness.server_argv("flash", 0, args.workers)[2:],
            "debug_env": os.environ.get("DEBUG", "(unset: Saleor default True)"),
            "database": "same database for both servers",
        },
        "operations": OPERATIONS,
        "sample_responses": samples,
        "load_generator": harness.generator_description(args.generator),
        "machine": machine,
        "results": results,
        "ratios": build_ratios(results, args.connections),
    }
    harness.write_result(args.result_name, payload)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Order split benchmark (issue #12): ``checkoutComplete`` for one order of 20
lines across 5 providers, with the provider plugin (``flash.provider_dropship``)
active, so Saleor's ``order_created`` hook splits the order into 5 drop-ship
sub-orders and writes their outbox notices, beside the same order with the
plugin inactive in Saleor's plugin configuration (no split), in one run.

One gunicorn (the harness's command line, production settings: DEBUG off),
one database, the same providers, warehouses, listings and stock for both
sides. Rounds alternate the sides (A/B, then B/A, ...) to cancel drift; each
round places ``--orders`` orders per side through the storefront path of
tests/provider_dropship/world.py (checkoutCreate -> shipping -> dummy payment
-> checkoutComplete), one order at a time, over HTTP. Only checkoutComplete
is measured: its time as the client sees it (p50, p90) and the server's CPU
for it (gunicorn master + workers, /proc). Each order is checked afterwards:
5 sub-orders with the plugin active, none without.

SQL statements of checkoutComplete are counted in-process (Django's test
client through the same middleware and schema, CaptureQueriesContext around
the mutation alone) for both sides at 5 lines (1 per provider) and 20 lines
(4 per provider): the split's extra statements must not grow with lines.

Goals: p50 <= 1.25x the plugin-inactive p50; a fixed number of extra queries.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<scratch db> \\
        .venv/bin/python bench/order_split.py [--rounds 8] [--orders 5]

Creates providers, products and orders in the resolved database (use a
scratch DATABASE_URL); leaves the plugin active at the end. The last stdout
line is the result (one JSON object), also written to
bench/results/order_split.json.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, List

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DEBUG", "False")

from bench import harness  # noqa: E402
from bench.harness import progress  # noqa: E402
from saleor_flash import devenv  # noqa: E402

NAME = "order_split"
KIND = "flash"
SIDES = ("split", "no_split")  # plugin active / plugin inactive
TIME_GOAL = 1.25
WEBHOOK_URL = "http://127.0.0.1:9/order-split-bench"  # discard port, never sent


def parse_args(argv: List[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--providers", type=int, default=5)
    parser.add_argument("--lines", type=int, default=20, help="lines of the order")
    parser.add_argument("--rounds", type=int, default=8, help="A/B rounds")
    parser.add_argument("--orders", type=int, default=4, help="orders/side/round")
    parser.add_argument("--warmup", type=int, default=2, help="orders/side first")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--query-samples", type=int, default=3, help="in-process counts per case"
    )
    parser.add_argument("--redis-db", type=int, default=13)
    parser.add_argument("--no-migrate", action="store_true")
    parser.add_argument("--result-name", default=NAME, help="bench/results/<name>")
    args = parser.parse_args(argv)
    if args.lines % args.providers:
        parser.error("--lines must be a multiple of --providers")
    return args


def uptime() -> str:
    try:
        return subprocess.run(
            ["uptime"], capture_output=True, text=True, timeout=5
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError) as error:
        return f"uptime failed: {error}"


# ------------------------------------------------------------ the database


def set_provider_plugin(active: bool) -> None:
    """Saleor's plugin configuration: read by every request's plugin
    manager, so the running server sees the change at its next request."""
    from saleor.plugins.models import PluginConfiguration

    from plugins.provider_dropship.plugin import ProviderDropshipPlugin as plugin

    PluginConfiguration.objects.update_or_create(
        identifier=plugin.PLUGIN_ID,
        defaults={"name": plugin.PLUGIN_NAME, "active": active},
    )


def make_suppliers(providers: int, lines_each: int):
    """``providers`` approved providers, each with a warehouse in the demo
    zone, ``lines_each`` listed variants stocked there, a contact e-mail and
    a webhook URL, so each sub-order writes both notices to the outbox. The
    URL is on the loopback and never called: no Celery worker runs here, the
    delivery tasks only wait in the bench's Redis db."""
    from tests.provider_dropship.world import make_supplier, store

    store()
    return [
        make_supplier(variants=lines_each, stock=10**6, webhook_url=WEBHOOK_URL)
        for _ in range(providers)
    ]


def order_lines(suppliers, lines_each: int):
    return [(v, 1) for s in suppliers for v in s.variants[:lines_each]]


def sub_orders_of(placed: Dict[str, Any]) -> int:
    from plugins.provider_dropship.models import SubOrder

    return SubOrder.objects.filter(order__token=placed["token"]).count()


# ------------------------------------------------- SQL count, in-process


def count_queries(lines, samples: int) -> List[int]:
    """Statements of checkoutComplete alone, placed ``samples`` times in
    this process (Django's test client, production settings)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.provider_dropship.world import place_order
    from tests.storefront import COMPLETE
    from tests.support import gql_in_process

    counts: List[int] = []

    def gql(query, variables=None, token=None):
        if query != COMPLETE:
            return gql_in_process(query, variables, token, HTTP_HOST="localhost")
        with CaptureQueriesContext(connection) as captured:
            answer = gql_in_process(query, variables, token, HTTP_HOST="localhost")
        counts.append(len(captured))
        return answer

    for _ in range(samples):
        place_order(lines, gql=gql)
    return counts


def query_counts(suppliers, lines_each_cases, samples: int) -> Dict[str, Any]:
    out: Dict[str, Any] = {}
    for lines_each in lines_each_cases:
        lines = order_lines(suppliers, lines_each)
        case: Dict[str, Any] = {}
        for side in SIDES:
            set_provider_plugin(side == "split")
            counts = count_queries(lines, samples)
            case[f"{side}_samples"] = counts
            case[side] = harness.median(counts)
        case["extra"] = case["split"] - case["no_split"]
        out[str(len(lines))] = case
        progress(f"queries of checkoutComplete, {len(lines)} lines: {case}")
    return out


# ------------------------------------------------------ timing over HTTP


def place_timed(server, lines) -> Dict[str, Any]:
    """One order over HTTP; the client's time and the server's CPU for its
    checkoutComplete."""
    from tests.provider_dropship.world import place_order
    from tests.storefront import COMPLETE
    from tests.support import post_graphql

    measured: Dict[str, float] = {}

    def gql(query, variables=None, token=None):
        if query != COMPLETE:
            return post_graphql(server.graphql_url, query, variables, token, 60)
        cpu = server.cpu_seconds()
        began = time.perf_counter()
        answer = post_graphql(server.graphql_url, query, variables, token, 60)
        measured["ms"] = (time.perf_counter() - began) * 1000
        measured["cpu_ms"] = (server.cpu_seconds() - cpu) * 1000
        return answer

    placed = place_order(lines, gql=gql)
    return {
        "ms": round(measured["ms"], 2),
        "cpu_ms": round(measured["cpu_ms"], 1),
        "sub_orders": sub_orders_of(placed),
    }


def side_figures(orders: List[Dict[str, Any]]) -> Dict[str, Any]:
    cpu = [o["cpu_ms"] for o in orders]
    return {
        "orders": len(orders),
        "complete_ms": harness.percentiles([o["ms"] for o in orders]),
        "server_cpu_ms_per_order": round(sum(cpu) / len(cpu), 1) if cpu else None,
        "server_cpu_ms_median": harness.median(cpu),
        "sub_orders_per_order": sorted({o["sub_orders"] for o in orders}),
    }


def timed_rounds(server, lines, args) -> Dict[str, Any]:
    for side in SIDES:  # warm-up (workers' imports and caches), not measured
        set_provider_plugin(side == "split")
        for _ in range(args.warmup):
            place_timed(server, lines)
    orders: Dict[str, List[Dict[str, Any]]] = {side: [] for side in SIDES}
    rounds = []
    for number in range(args.rounds):
        order = SIDES if number % 2 == 0 else tuple(reversed(SIDES))
        this_round: Dict[str, Any] = {"order": list(order)}
        for side in order:
            set_provider_plugin(side == "split")
            placed = [place_timed(server, lines) for _ in range(args.orders)]
            orders[side].extend(placed)
            this_round[side] = {
                "p50_ms": harness.percentiles([o["ms"] for o in placed])["p50"],
                "cpu_ms_per_order": round(
                    sum(o["cpu_ms"] for o in placed) / len(placed), 1
                ),
            }
        this_round["p50_ratio"] = harness.ratio(
            this_round["split"]["p50_ms"], this_round["no_split"]["p50_ms"]
        )
        rounds.append(this_round)
        progress(f"round {number + 1}/{args.rounds}: {this_round}")
    figures = {side: side_figures(orders[side]) for side in SIDES}
    split, base = figures["split"], figures["no_split"]
    ratios = {
        "p50": harness.ratio(split["complete_ms"]["p50"], base["complete_ms"]["p50"]),
        "p90": harness.ratio(split["complete_ms"]["p90"], base["complete_ms"]["p90"]),
        "p50_paired": round(harness.median(r["p50_ratio"] for r in rounds), 3),
        "server_cpu_per_order": harness.ratio(
            split["server_cpu_ms_per_order"], base["server_cpu_ms_per_order"]
        ),
    }
    wrong = {
        side: [o for o in orders[side] if o["sub_orders"] != expected]
        for side, expected in (("split", args.providers), ("no_split", 0))
    }
    return {
        "results": figures,
        "ratios": ratios,
        "rounds": rounds,
        "wrong_split": {side: len(bad) for side, bad in wrong.items()},
        "orders": {
            side: [[o["ms"], o["cpu_ms"]] for o in placed]
            for side, placed in orders.items()
        },
    }


# ------------------------------------------------------------------- main


def main(argv: List[str]) -> int:
    args = parse_args(argv)
    harness.interrupt_on_sigterm()
    began = time.monotonic()
    lines_each = args.lines // args.providers
    result: Dict[str, Any] = {
        "benchmark": NAME,
        "started_at": datetime.now(timezone.utc).isoformat(),
        "machine": harness.machine_info(),
        "uptime_at_start": uptime(),
        "debug": os.environ.get("DEBUG"),
        "config": dict(vars(args), client="one buyer at a time, urllib"),
        "measured": (
            "checkoutComplete of one order of --lines lines (1 unit each) across "
            "--providers providers (a warehouse and --lines/--providers listed, "
            "stocked variants each); split = provider plugin active, no_split = "
            "the same plugin inactive in Saleor's PluginConfiguration"
        ),
        "goals": {
            "p50_vs_no_split": f"<= {TIME_GOAL}",
            "extra_queries": "the same at every line count (not one per line)",
        },
    }
    services = devenv.Services()
    server = None
    try:
        if os.environ.get("DATABASE_URL"):
            devenv.ensure_database(os.environ["DATABASE_URL"])
        database_url = devenv.resolve_database(services)
        redis_url = devenv.with_redis_db(devenv.resolve_redis(services), args.redis_db)
        env = harness.server_env(KIND, database_url, redis_url)
        if not args.no_migrate:
            progress("migrating ...")
            devenv.manage(env, "migrate", "--no-input", "-v", "0")
        os.environ.update(env)
        import django

        django.setup()
        suppliers = make_suppliers(args.providers, lines_each)
        cases = sorted({1, lines_each})
        result["queries"] = query_counts(suppliers, cases, args.query_samples)
        extras = {case["extra"] for case in result["queries"].values()}
        server = harness.start_server(KIND, args.workers, database_url, redis_url)
        result["config"]["server_argv"] = harness.server_argv(KIND, 0, args.workers)
        result.update(timed_rounds(server, order_lines(suppliers, lines_each), args))
    finally:
        if server is not None:
            server.stop()
        try:
            set_provider_plugin(True)
        except Exception as error:  # django not set up: nothing was changed
            progress(f"plugin left as it was: {error!r}")
        services.stop_all()
    result["uptime_at_end"] = uptime()
    result["goals_met"] = {
        "p50_vs_no_split": (result["ratios"]["p50"] or 99) <= TIME_GOAL,
        "p50_paired_vs_no_split": (result["ratios"]["p50_paired"] or 99) <= TIME_GOAL,
        "extra_queries_fixed": len(extras) == 1,
        "every_order_split_right": not any(result["wrong_split"].values()),
    }
    result["elapsed_s"] = round(time.monotonic() - began, 1)
    harness.write_result(args.result_name, result)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

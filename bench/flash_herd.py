"""The flash herd: N buyers race for a flash item's units through the whole
storefront flow, against a multi-process server; the same herd then runs
against plain Saleor 2.10.1 with no sale (stock of the same size).

- ``flash`` (ours): flashSaleReserve with the checkout to create (e-mail and
  addresses; losers stop here, answered by the Redis gate, or by PostgreSQL
  while the gate does not know yet) -> shipping method -> dummy payment ->
  checkoutComplete (``tests/sale_windows/flash_buyer.py``), on sync workers
  (our default, FLASH_THREADS=1).
- ``flash_lane`` (ours): the same on threaded workers with the database lane
  (FLASH_THREADS=auto, ``plugins/core/database_lane.py``).
- ``saleor`` (baseline, sync workers): checkoutCreate with the line -> shipping -> dummy
  payment -> checkoutComplete, stock = units.

Reported per mode and worker count (medians over runs): orders, units
oversold, payments charged without an order, time to sell out, time to drain
the herd, latency of the answer that told each loser they lost (p50/p99), and
server CPU time per completed order; ratios ours / plain Saleor.

Gate: reserve requests/s and latency on a sold-out item (wrk, one fixed
request) beside the GraphQL floor ``{ shop { name } }`` on the same server at
the same concurrency.

    .venv/bin/python bench/flash_herd.py --buyers 1000 --units 100 --runs 5 \\
        --workers 2,8

Progress goes to stderr; the last stdout line is the result as one JSON
object, also written to bench/results/flash_herd.json.
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, Dict, List, Optional
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness  # noqa: E402
from bench.checkout_herd import (  # noqa: E402
    herd_figures,
    herd_ratio,
    outcome_in_database,
    prepare_database,
    race,
    summarise,
)
from saleor_flash import devenv  # noqa: E402
from tests.sale_windows.flash_buyer import (  # noqa: E402
    RESERVE_WITH_CHECKOUT,
    flash_buy,
    reserve_variables,
)

NAME = "flash_herd"
BENCH_DB = "saleor_flash_flash_bench"
FLOOR_QUERY = "{ shop { name } }"


def parse_args(argv: List[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--buyers", type=int, default=1000)
    parser.add_argument("--units", type=int, default=100)
    parser.add_argument("--runs", type=int, default=5, help="runs per mode/workers")
    parser.add_argument("--workers", default="2,8", help="server worker counts")
    parser.add_argument("--concurrency", type=int, default=64, help="buyers at once")
    parser.add_argument(
        "--modes",
        default="saleor,flash,flash_lane",
        help="saleor (plain Saleor, sync workers), flash (ours, sync workers: "
        "the default FLASH_THREADS=1), flash_lane (ours, threaded workers with "
        "the database lane: FLASH_THREADS=auto)",
    )
    parser.add_argument(
        "--gate-connections", default="16,64", help="wrk connections for the gate"
    )
    parser.add_argument("--gate-duration", type=float, default=8.0)
    return parser.parse_args(argv)


# --- database side ----------------------------------------------------------


def fresh_flash_item(units: int, label: str):
    """A new stocked product and a live flash sale with one item, cap = units."""
    from django.utils import timezone
    from graphene import Node

    from bench.checkout_herd import fresh_item
    from plugins.sale_windows import sale_admin

    variant_gid = fresh_item(units, label)
    _, variant_id = Node.from_global_id(variant_gid)
    now = timezone.now()
    sale = sale_admin.create_sale(
        sale_admin.SaleInput(
            name=f"Herd sale {label}",
            starts_at=now - timedelta(minutes=1),
            ends_at=now + timedelta(hours=2),
        )
    )
    item = sale_admin.create_item(
        sale.pk,
        sale_admin.ItemInput(
            variant_id=int(variant_id), sale_price=Decimal("1.00"), cap=units
        ),
    )
    return variant_gid, Node.to_global_id("FlashSaleItem", item.pk), item.pk


def flash_oversold(item_pk: int) -> int:
    from plugins.sale_windows.models import FlashSaleItem

    item = FlashSaleItem.objects.get(pk=item_pk)
    return max(item.sold - item.cap, 0)


def mode_threads(mode: str, workers: int) -> int:
    """Threads per worker: 1 = sync workers (Saleor's standard and our
    default); flash_lane = our threaded flash-sale mode."""
    return devenv.lane_threads(workers) if mode == "flash_lane" else 1


def run_herd(server, args, mode: str, run: int) -> Dict[str, Any]:
    from bench.checkout_herd import fresh_item
    from tests.storefront import buy

    label = f"{mode}-{server.workers}w-{run}-{uuid.uuid4().hex[:6]}"
    item_pk: Optional[int] = None
    if mode != "saleor":
        variant_gid, item_gid, item_pk = fresh_flash_item(args.units, label)
    else:
        variant_gid = fresh_item(args.units, label)

    def buy_one(n: int):
        email = f"b{n}-{label}@herd.test"
        if mode != "saleor":
            return flash_buy(server.graphql_url, item_gid, email)
        return buy(server.graphql_url, variant_gid, email)

    purchases, finished_at, drain_s, server_cpu_s = race(
        server, args.buyers, args.concurrency, buy_one
    )
    losers = [p for p in purchases if not p.won]
    tokens = [p.checkout_token for p in purchases if p.checkout_token]
    db = outcome_in_database(variant_gid, tokens, args.units)
    if item_pk is not None:
        db["oversold"] = max(db["oversold"], flash_oversold(item_pk))
    result = {
        **herd_figures(purchases, finished_at, drain_s, server_cpu_s, db, args.units),
        "sold_out_seen": any(p.error_code == "SOLD_OUT" for p in losers),
        "item_gid": item_gid if mode != "saleor" else None,
    }
    harness.progress(
        f"{mode:6s} {server.workers}w run {run + 1}: orders {result['orders']}, "
        f"oversold {result['oversold']}, charged w/o order "
        f"{result['charged_without_order']}, sold out {result['sold_out_s']} s, "
        f"drain {result['drain_s']} s, loser p50/p99 "
        f"{result['loser_answer_ms']['p50']}/{result['loser_answer_ms']['p99']} ms, "
        f"{result['server_ms_per_order']} ms server/order"
    )
    return result


def measure_gate(server, args, last_run: Dict[str, Any]) -> Dict[str, Any]:
    """A loser's reserve on the sold-out item vs the floor query."""
    reserve_body = harness.graphql_body(
        RESERVE_WITH_CHECKOUT,
        reserve_variables(last_run["item_gid"], "late-comer@herd.test"),
    )
    sample = harness.post_json(server.graphql_url, reserve_body)
    floor_body = harness.graphql_body(FLOOR_QUERY)
    out: Dict[str, Any] = {"sample_reserve_response": sample}
    for connections in [int(c) for c in args.gate_connections.split(",")]:
        row = {}
        for name, body in (("reserve_sold_out", reserve_body), ("floor", floor_body)):
            harness.run_load(
                server.graphql_url, body, connections=connections, duration_s=1.0
            )
            row[name] = harness.run_load(
                server.graphql_url,
                body,
                connections=connections,
                duration_s=args.gate_duration,
            ).summary()
        row["ratio_rps"] = harness.ratio(
            row["reserve_sold_out"]["rps"], row["floor"]["rps"]
        )
        row["ratio_p99"] = harness.ratio(
            row["reserve_sold_out"]["p99_ms"], row["floor"]["p99_ms"]
        )
        harness.progress(
            f"gate {server.workers}w c{connections}: reserve "
            f"{row['reserve_sold_out']['rps']} rps p99 "
            f"{row['reserve_sold_out']['p99_ms']} ms; floor {row['floor']['rps']} "
            f"rps p99 {row['floor']['p99_ms']} ms"
        )
        out[str(connections)] = row
    return out


def main(argv: List[str]) -> int:
    args = parse_args(argv)
    harness.interrupt_on_sigterm()
    modes = args.modes.split(",")
    worker_counts = [int(w) for w in args.workers.split(",")]
    services = devenv.Services()
    began = time.monotonic()
    results: Dict[str, Dict[str, Any]] = {}
    gate: Dict[str, Any] = {}
    try:
        database_url = devenv.resolve_database(services)
        database_url = urlparse(database_url)._replace(path=f"/{BENCH_DB}").geturl()
        devenv.ensure_database(database_url)
        redis_url = devenv.with_redis_db(devenv.resolve_redis(services), 12)
        prepare_database(database_url, redis_url)
        for workers in worker_counts:
            for mode in modes:
                kind = "saleor" if mode == "saleor" else "flash"
                server = harness.start_server(
                    kind,
                    workers,
                    database_url,
                    redis_url,
                    threads=mode_threads(mode, workers),
                )
                try:
                    runs = [run_herd(server, args, mode, r) for r in range(args.runs)]
                    if mode != "saleor" and runs[-1]["sold_out_seen"]:
                        gate[f"{mode}/{workers}w"] = measure_gate(
                            server, args, runs[-1]
                        )
                finally:
                    server.stop()
                results[f"{mode}/{workers}w"] = summarise(
                    runs, hidden=("sold_out_seen", "item_gid")
                )
    finally:
        services.stop_all()

    ratios = {}
    for workers, mode in [(w, m) for w in worker_counts for m in modes]:
        base = results.get(f"saleor/{workers}w")
        ours = results.get(f"{mode}/{workers}w")
        if mode == "saleor" or not base or not ours:
            continue
        ratios[f"{mode}/{workers}w"] = herd_ratio(ours, base)
    payload = {
        "benchmark": NAME,
        "baseline": "saleor (plain Saleor 2.10.1 server, same database and machine)",
        "machine": harness.machine_info(),
        "config": {
            "buyers": args.buyers,
            "units": args.units,
            "runs": args.runs,
            "workers": worker_counts,
            "concurrency": args.concurrency,
            "modes": modes,
            "load_generator": "herd: python threads, one urllib request per step; "
            "gate: harness.run_load (wrk when installed)",
            "server_threads_per_worker": {
                f"{mode}/{workers}w": mode_threads(mode, workers)
                for mode in modes
                for workers in worker_counts
            },
            "flash_flow": "flashSaleReserve(checkout: e-mail, addresses) -> "
            "shipping method -> payment -> checkoutComplete",
        },
        "results": results,
        "ratios_to_saleor": ratios,
        "gate": gate,
        "elapsed_s": round(time.monotonic() - began, 1),
    }
    harness.write_result(NAME, payload)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""The checkout herd: N buyers race for a few units of a regular item through
Saleor's whole checkout (checkoutCreate -> shipping -> dummy payment ->
checkoutComplete), against a multi-process server.

Side by side in one run, on the same machine and database:
- ``saleor``: plain Saleor 2.10.1 (its own WSGI app and schema) – the baseline;
- ``guard``: our host with the checkout_guard plugin active;
- ``guard_off`` (with ``--modes``): our host with checkout_guard switched off
  in Saleor's plugin configuration.

Reported per mode and worker count (medians over runs): orders, units
oversold, payments charged without an order, time to sell out, time to drain
the herd, the latency of the answer that told each loser they lost (p50/p99),
and server CPU time per completed order; plus ratios to plain Saleor.

    .venv/bin/python bench/checkout_herd.py --buyers 1000 --units 100 --runs 5
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable, Dict, List
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness  # noqa: E402
from saleor_flash import devenv  # noqa: E402

BENCH_DB = "saleor_flash_bench"
GUARD_PLUGIN = "flash.checkout_guard"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def parse_args(argv: List[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--buyers", type=int, default=1000)
    parser.add_argument("--units", type=int, default=100)
    parser.add_argument("--runs", type=int, default=5, help="runs per mode/workers")
    parser.add_argument("--workers", default="2,8", help="server worker counts")
    parser.add_argument("--concurrency", type=int, default=64, help="buyers at once")
    parser.add_argument(
        "--modes", default="saleor,guard_off,guard", help="saleor,guard_off,guard"
    )
    return parser.parse_args(argv)


# --- database side (Django ORM in this process) -------------------------


def prepare_database(database_url: str, redis_url: str) -> None:
    env = devenv.base_env(database_url, redis_url, "saleor_flash.settings")
    harness.progress(f"migrating and seeding the benchmark database {BENCH_DB} ...")
    devenv.manage(env, "migrate", "--no-input", "-v", "0")
    subprocess.run(
        [devenv.PYTHON, "-m", "saleor_flash", "seed_demo"],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    os.environ.update(
        DATABASE_URL=database_url, REDIS_URL=redis_url, CACHE_URL=redis_url
    )
    os.environ["DJANGO_SETTINGS_MODULE"] = "saleor_flash.settings"
    import django

    django.setup()


def set_guard(active: bool) -> None:
    from saleor.plugins.models import PluginConfiguration

    PluginConfiguration.objects.update_or_create(
        identifier=GUARD_PLUGIN, defaults={"name": "Checkout guard", "active": active}
    )


def fresh_item(units: int, label: str) -> str:
    """A new product with ``units`` in stock; returns its variant's global id."""
    from graphene import Node
    from saleor.product.models import Product, ProductVariant
    from saleor.product.utils.variant_prices import (
        update_product_minimal_variant_price,
    )
    from saleor.warehouse.models import Stock

    template = Product.objects.filter(is_published=True).order_by("pk").first()
    stock_template = Stock.objects.filter(product_variant__product=template).first()
    product = Product.objects.create(
        name=f"Herd item {label}",
        slug=f"herd-item-{label}",
        product_type=template.product_type,
        category=template.category,
        price_amount=template.price_amount,
        currency=template.currency,
        is_published=True,
    )
    variant = ProductVariant(product=product, sku=f"HERD-{label}", track_inventory=True)
    variant.save()
    update_product_minimal_variant_price(product)
    Stock.objects.create(
        warehouse=stock_template.warehouse, product_variant=variant, quantity=units
    )
    return Node.to_global_id("ProductVariant", variant.pk)


def outcome_in_database(variant_gid: str, checkout_tokens: List[str], units: int):
    from django.db.models import Sum
    from graphene import Node
    from saleor.order.models import OrderLine
    from saleor.payment import ChargeStatus
    from saleor.payment.models import Payment
    from saleor.warehouse.models import Allocation

    _, variant_id = Node.from_global_id(variant_gid)
    ordered = (
        OrderLine.objects.filter(variant_id=variant_id).aggregate(t=Sum("quantity"))[
            "t"
        ]
        or 0
    )
    allocated = (
        Allocation.objects.filter(stock__product_variant_id=variant_id).aggregate(
            t=Sum("quantity_allocated")
        )["t"]
        or 0
    )
    charged_without_order = Payment.objects.filter(
        checkout_id__in=checkout_tokens,
        order__isnull=True,
        charge_status__in=[ChargeStatus.FULLY_CHARGED, ChargeStatus.PARTIALLY_CHARGED],
    ).count()
    return {
        "orders_units": ordered,
        "oversold": max(ordered - units, 0, allocated - units),
        "charged_without_order": charged_without_order,
    }


# --- server CPU -----------------------------------------------------------


def process_tree_cpu_s(root_pid: int) -> float:
    """utime + stime of a process and its live children, in seconds."""
    total = 0.0
    pids = [root_pid]
    try:
        children = Path(f"/proc/{root_pid}/task/{root_pid}/children").read_text()
        pids += [int(pid) for pid in children.split()]
    except OSError:
        pass
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    return total


# --- one herd -------------------------------------------------------------


def race(server, buyers: int, concurrency: int, buy_one: Callable[[int], Any]):
    """Let ``buyers`` buyers loose, ``concurrency`` at a time.

    Returns the purchases, when each buyer finished (s from the start), the
    drain time and the server's CPU seconds (master and workers) meanwhile.
    """
    cpu_before = process_tree_cpu_s(server.process.pid)
    started = time.monotonic()
    finished_at: Dict[int, float] = {}

    def one_buyer(n: int):
        purchase = buy_one(n)
        finished_at[n] = time.monotonic() - started
        return purchase

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        purchases = list(pool.map(one_buyer, range(buyers)))
    drain_s = time.monotonic() - started
    server_cpu_s = process_tree_cpu_s(server.process.pid) - cpu_before
    return purchases, finished_at, drain_s, server_cpu_s


def herd_figures(
    purchases, finished_at, drain_s, server_cpu_s, db: Dict[str, int], units: int
) -> Dict[str, Any]:
    """One run's figures: orders, oversell, orphan payments, timings, losers."""
    winners = [n for n, p in enumerate(purchases) if p.won]
    losers = [p for p in purchases if not p.won]
    win_times = sorted(finished_at[n] for n in winners)
    loser_answer_ms = [
        p.step_seconds.get(p.failed_step, 0.0) * 1000 for p in losers if p.failed_step
    ]
    lost_at: Dict[str, int] = {}
    for p in losers:
        answer = "top-level error" if p.top_level_error else p.error_code
        key = f"{p.failed_step}:{answer}"
        lost_at[key] = lost_at.get(key, 0) + 1
    return {
        "orders": len(winners),
        "oversold": db["oversold"],
        "charged_without_order": db["charged_without_order"],
        "sold_out_s": round(win_times[-1], 3) if len(win_times) >= units else None,
        "drain_s": round(drain_s, 3),
        "loser_answer_ms": harness.percentiles(loser_answer_ms),
        "server_cpu_s": round(server_cpu_s, 3),
        "server_ms_per_order": round(server_cpu_s * 1000 / len(winners), 1)
        if winners
        else None,
        "losers_stopped_at": lost_at,
    }


def run_herd(server, args, mode: str, run: int) -> Dict[str, Any]:
    from tests.storefront import buy

    label = f"{mode}-{server.workers}w-{run}-{uuid.uuid4().hex[:6]}"
    variant_gid = fresh_item(args.units, label)
    purchases, finished_at, drain_s, server_cpu_s = race(
        server,
        args.buyers,
        args.concurrency,
        lambda n: buy(server.graphql_url, variant_gid, f"b{n}-{label}@herd.test"),
    )
    tokens = [p.checkout_token for p in purchases if p.checkout_token]
    db = outcome_in_database(variant_gid, tokens, args.units)
    result = herd_figures(purchases, finished_at, drain_s, server_cpu_s, db, args.units)
    harness.progress(
        f"{mode:9s} {server.workers}w run {run + 1}: orders {result['orders']}, "
        f"oversold {result['oversold']}, charged w/o order "
        f"{result['charged_without_order']}, drain {result['drain_s']} s, "
        f"loser p99 {result['loser_answer_ms']['p99']} ms, "
        f"{result['server_ms_per_order']} ms server/order"
    )
    return result


def summarise(runs: List[Dict[str, Any]], hidden=()) -> Dict[str, Any]:
    """Medians over runs; every run in ``detail`` (without the ``hidden`` keys)."""

    def med(key):
        return harness.median(run[key] for run in runs)

    return {
        "runs": len(runs),
        "orders_per_run": [run["orders"] for run in runs],
        "oversold_per_run": [run["oversold"] for run in runs],
        "charged_without_order_per_run": [run["charged_without_order"] for run in runs],
        "sold_out_s_median": med("sold_out_s"),
        "drain_s_median": med("drain_s"),
        "loser_answer_p50_ms_median": harness.median(
            run["loser_answer_ms"]["p50"] for run in runs
        ),
        "loser_answer_p99_ms_median": harness.median(
            run["loser_answer_ms"]["p99"] for run in runs
        ),
        "server_ms_per_order_median": med("server_ms_per_order"),
        "detail": [{k: v for k, v in run.items() if k not in hidden} for run in runs],
    }


RATIO_KEYS = (
    "drain_s_median",
    "sold_out_s_median",
    "loser_answer_p50_ms_median",
    "loser_answer_p99_ms_median",
    "server_ms_per_order_median",
)


def herd_ratio(ours: Dict[str, Any], base: Dict[str, Any]) -> Dict[str, Any]:
    """One mode's summary divided by another's, figure by figure."""
    return {key: harness.ratio(ours[key], base[key]) for key in RATIO_KEYS}


def ratios_to(results, worker_counts, baseline: str) -> Dict[str, Dict[str, Any]]:
    """Ours (guard) divided by ``baseline``, per worker count."""
    ratios = {}
    for workers in worker_counts:
        base = results.get(f"{baseline}/{workers}w")
        ours = results.get(f"guard/{workers}w")
        if base and ours:
            ratios[f"{workers}w"] = herd_ratio(ours, base)
    return ratios


def main(argv: List[str]) -> int:
    args = parse_args(argv)
    harness.interrupt_on_sigterm()
    modes = args.modes.split(",")
    worker_counts = [int(w) for w in args.workers.split(",")]
    services = devenv.Services()
    began = time.monotonic()
    results: Dict[str, Dict[str, Any]] = {}
    try:
        database_url = devenv.resolve_database(services)
        database_url = urlparse(database_url)._replace(path=f"/{BENCH_DB}").geturl()
        devenv.ensure_database(database_url)
        redis_url = devenv.with_redis_db(devenv.resolve_redis(services), 13)
        prepare_database(database_url, redis_url)
        for workers in worker_counts:
            for mode in modes:
                kind = "saleor" if mode == "saleor" else "flash"
                if kind == "flash":
                    set_guard(mode == "guard")
                server = harness.start_server(kind, workers, database_url, redis_url)
                try:
                    runs = [run_herd(server, args, mode, r) for r in range(args.runs)]
                finally:
                    server.stop()
                results[f"{mode}/{workers}w"] = summarise(runs)
        set_guard(True)
    finally:
        services.stop_all()

    payload_ratios = {
        f"guard_to_{baseline}": ratios_to(results, worker_counts, baseline)
        for baseline in ("saleor", "guard_off")
        if baseline in modes and "guard" in modes
    }
    payload = {
        "benchmark": "checkout_herd",
        "baseline": (
            "saleor (plain Saleor 2.10.1 server) and guard_off (our host with "
            "the checkout guard inactive), same database and machine"
        ),
        "machine": harness.machine_info(),
        "config": {
            "buyers": args.buyers,
            "units": args.units,
            "runs": args.runs,
            "workers": worker_counts,
            "concurrency": args.concurrency,
            "modes": modes,
            "load_generator": "python threads, one urllib request per step",
        },
        "results": results,
        "ratios": payload_ratios,
        "elapsed_s": round(time.monotonic() - began, 1),
    }
    harness.write_result("checkout_herd", payload)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

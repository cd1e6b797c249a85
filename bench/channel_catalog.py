"""Channel catalog: ``channelCatalog`` (our host) vs Saleor's own ``products``.

Builds (idempotently) a catalogue of at least ``--products`` extra products
with settlement prices, all in both demo channels' pools, then in one run:

- counts SQL queries per request, in-process (Django test client), for both
  queries at page sizes 10 and 100 (no N+1 = the count does not grow);
- measures p50/p99 latency over HTTP against two multi-process gunicorns on
  the same database: our host answering ``channelCatalog`` for a signed-in
  member, plain Saleor 2.10.1 answering ``products`` for the same fields
  (product id and name, variant SKU and the shopper's price).

    DATABASE_URL=postgres://.../chan_bench .venv/bin/python bench/channel_catalog.py
        [--products 2000] [--workers 2] [--connections 1] [--duration 10]
        [--runs 1] [--warmup 3] [--load-generator auto|wrk|python]

Progress goes to stderr; the last stdout line is the result as one JSON
object, also written to bench/results/channel_catalog.json.
"""

from __future__ import annotations

import argparse
import datetime
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Dict, List

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness  # noqa: E402
from bench.harness import progress  # noqa: E402
from saleor_flash import devenv  # noqa: E402

NAME = "channel_catalog"
CHANNEL = "wellness-app"
SIZES = (10, 100)
SKU_PREFIX = "BENCH-"

QUERIES = {
    # Ours: the channel's price is computed per page in bulk.
    "channel_catalog": (
        'query($first: Int!) { channelCatalog(channel: "wellness-app", first: $first) {'
        " edges { node { product { id name } variants { sku price { amount } } } } } }"
    ),
    # Saleor's own list with the shopper's price of each variant.
    "saleor_products": (
        "query($first: Int!) { products(first: $first) {"
        " edges { node { id name variants { sku"
        " pricing { price { gross { amount } } } } } } } }"
    ),
}


def query_of(name: str) -> str:
    return QUERIES[name.replace("_on_flash", "")]


def parse_args(argv: List[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--products", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", default="1")
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument(
        "--load-generator", choices=["auto", "wrk", "python"], default="auto"
    )
    parser.add_argument("--inside", choices=["prepare"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.connections = [int(x) for x in args.connections.split(",") if x.strip()]
    return args


# --- inside Django (a child process with the host's settings) -------------


def prepare_inside_django(product_count: int) -> Dict[str, Any]:
    """Seed the demo, add the bench catalogue, sign in a member, count queries."""
    import io

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from saleor.product.models import Category, Product, ProductType, ProductVariant

    from plugins.channel_pricing.models import Channel, ChannelPoolEntry
    from plugins.channel_pricing.sign_in import sign_in
    from plugins.provider_dropship.models import Provider, SupplyListing
    from saleor_flash.demo import seed_demo
    from tests.channel_pricing.tokens import channel_token

    seed_demo(io.StringIO())
    existing = ProductVariant.objects.filter(sku__startswith=SKU_PREFIX).count()
    if existing < product_count:
        progress(f"creating {product_count - existing} bench products ...")
        with transaction.atomic():
            product_type = ProductType.objects.first()
            category = Category.objects.first()
            provider = Provider.objects.filter(status="approved").first()
            channels = list(Channel.objects.order_by("slug"))
            numbers = range(existing, product_count)
            products = Product.objects.bulk_create(
                [
                    Product(
                        name=f"Bench product {n:05d}",
                        slug=f"bench-product-{n:05d}",
                        product_type=product_type,
                        category=category,
                        currency=settings.DEFAULT_CURRENCY,
                        price_amount=20 + n % 50,
                        minimal_variant_price_amount=20 + n % 50,
                        is_published=True,
                    )
                    for n in numbers
                ]
            )
            variants = ProductVariant.objects.bulk_create(
                [
                    ProductVariant(
                        product=product,
                        sku=f"{SKU_PREFIX}{n:05d}",
                        currency=settings.DEFAULT_CURRENCY,
                        price_override_amount=20 + n % 50,
                        track_inventory=False,
                    )
                    for n, product in zip(numbers, products)
                ]
            )
            SupplyListing.objects.bulk_create(
                [
                    SupplyListing(
                        provider=provider,
                        variant=variant,
                        settlement_price_amount=15 + n % 40,
                    )
                    for n, variant in zip(numbers, variants)
                ]
            )
            ChannelPoolEntry.objects.bulk_create(
                [
                    ChannelPoolEntry(
                        channel=channel,
                        product=product,
                        # Every 7th product at a fixed price above cost.
                        fixed_price_amount=(60 + n % 9) if n % 7 == 0 else None,
                    )
                    for channel in channels
                    for n, product in zip(numbers, products)
                ]
            )
        with connection.cursor() as cursor:
            # Fresh statistics, as autovacuum would have them after a bulk load.
            cursor.execute("ANALYZE")
    channel = Channel.objects.get(slug=CHANNEL)
    token = sign_in(
        CHANNEL, channel_token(channel.sso_secret, CHANNEL, "bench-member")
    ).saleor_token
    counts: Dict[str, Dict[str, int]] = {}
    samples: Dict[str, Any] = {}
    client = Client(HTTP_HOST="127.0.0.1")  # within ALLOWED_HOSTS
    for name, query in QUERIES.items():
        counts[name] = {}
        headers = (
            {"HTTP_AUTHORIZATION": f"JWT {token}"} if name == "channel_catalog" else {}
        )
        for size in SIZES:
            body = json.dumps({"query": query, "variables": {"first": size}})
            client.post("/graphql/", body, content_type="application/json", **headers)
            with CaptureQueriesContext(connection) as captured:
                response = client.post(
                    "/graphql/", body, content_type="application/json", **headers
                )
            answer = response.json()
            if "errors" in answer:
                raise SystemExit(f"{name} first={size} failed: {answer['errors']}")
            counts[name][str(size)] = len(captured)
            samples[name] = _first_node(answer)
    return {
        "token": token,
        "sql_queries": counts,
        "sample_nodes": samples,
        "pool_products": ChannelPoolEntry.objects.filter(channel=channel).count(),
        "published_products": Product.objects.published().count(),
    }


def _first_node(answer: Dict[str, Any]) -> Any:
    data = next(iter(answer["data"].values()))
    edges = data["edges"]
    return {"edges": len(edges), "first": edges[0]["node"] if edges else None}


# --- outside Django: servers and load -------------------------------------


def prepare(env: Dict[str, str], product_count: int) -> Dict[str, Any]:
    argv = [
        devenv.PYTHON,
        __file__,
        "--inside",
        "prepare",
        "--products",
        str(product_count),
    ]
    child = subprocess.run(argv, env=env, capture_output=True, text=True)
    if child.returncode != 0:
        sys.stderr.write(child.stderr[-4000:])
        raise SystemExit("[bench] preparing the data failed (see above)")
    output = child.stdout
    return json.loads(output.strip().splitlines()[-1])


def summary_of(runs: List[Dict[str, Any]]) -> Dict[str, Any]:
    return {
        **harness.medians_of(runs, ("rps", "p50_ms", "p99_ms")),
        "errors": sum(run["errors"] for run in runs),
        "requests": sum(run["requests"] for run in runs),
        "runs": runs,
    }


def main(argv: List[str]) -> int:
    args = parse_args(argv)
    if args.inside == "prepare":
        result = prepare_inside_django(args.products)
        print(json.dumps(result, default=str))
        return 0
    harness.interrupt_on_sigterm()
    started = time.time()
    machine = harness.machine_info()
    generator = harness.choose_generator(args.load_generator)
    services = devenv.Services()
    servers: Dict[str, harness.Server] = {}
    raw: Dict[str, Dict[str, List[Dict[str, Any]]]] = {}
    try:
        database_url = devenv.resolve_database(services)
        redis_url = devenv.resolve_redis(services)
        env = harness.server_env("flash", database_url, redis_url)
        progress("applying missing migrations (idempotent) ...")
        devenv.manage(env, "migrate", "--no-input", "-v", "0")
        progress("preparing data and counting SQL queries in-process ...")
        prepared = prepare(env, args.products)
        token = prepared.pop("token")
        # Saleor's products also on our host: the same host overhead as ours.
        targets = {
            "channel_catalog": "flash",
            "saleor_products": "saleor",
            "saleor_products_on_flash": "flash",
        }
        for kind in ("flash", "saleor"):
            servers[kind] = harness.start_server(
                kind, args.workers, database_url, redis_url
            )
        headers = {"channel_catalog": {"Authorization": f"JWT {token}"}}
        plan = [
            (name, size, c)
            for size in SIZES
            for c in args.connections
            for name in targets
        ]
        for name, size, c in plan:
            body = harness.graphql_body(query_of(name), {"first": size})
            url = servers[targets[name]].graphql_url
            sample = harness.post_json(url, body)
            if name != "channel_catalog" and (
                sample["status"] != 200 or "errors" in sample["body"]
            ):
                raise SystemExit(f"{name} answered {sample}")
            harness.run_load(
                url,
                body,
                headers.get(name),
                c,
                duration_s=args.warmup,
                generator=generator,
            )
        for run in range(args.runs):
            order = plan if run % 2 == 0 else list(reversed(plan))
            for name, size, c in order:
                body = harness.graphql_body(query_of(name), {"first": size})
                result = harness.run_load(
                    servers[targets[name]].graphql_url,
                    body,
                    headers.get(name),
                    c,
                    duration_s=args.duration,
                    generator=generator,
                ).summary()
                raw.setdefault(f"{name}@{size}@c{c}", []).append(result)
                progress(
                    f"run {run + 1} {name:16s} first={size:<3d} c={c} "
                    f"{result['rps']:7.1f} req/s p50 {result['p50_ms']} ms "
                    f"p99 {result['p99_ms']} ms errors {result['errors']}"
                )
    except KeyboardInterrupt:
        progress("interrupted: stopping the servers ...")
        return 130
    finally:
        for server in servers.values():
            server.stop()
        services.stop_all()

    results = {key: summary_of(runs) for key, runs in raw.items()}
    ratios = {}
    for size in SIZES:
        for c in args.connections:
            ours = results[f"channel_catalog@{size}@c{c}"]
            theirs = results[f"saleor_products@{size}@c{c}"]
            same_host = results[f"saleor_products_on_flash@{size}@c{c}"]
            ratios[f"first={size}@c{c}"] = {
                "p50": harness.ratio(ours["p50_ms"], theirs["p50_ms"]),
                "p99": harness.ratio(ours["p99_ms"], theirs["p99_ms"]),
                "rps": harness.ratio(ours["rps"], theirs["rps"]),
                "p50_vs_products_on_our_host": harness.ratio(
                    ours["p50_ms"], same_host["p50_ms"]
                ),
                "p99_vs_products_on_our_host": harness.ratio(
                    ours["p99_ms"], same_host["p99_ms"]
                ),
            }
    counts = prepared["sql_queries"]
    payload = {
        "benchmark": NAME,
        "started_at": datetime.datetime.fromtimestamp(started, datetime.timezone.utc)
        .replace(microsecond=0)
        .isoformat(),
        "elapsed_s": round(time.time() - started, 1),
        "baseline": "plain Saleor 2.10.1 products(first) on its own gunicorn",
        "config": {
            "products": args.products,
            "workers": args.workers,
            "connections": args.connections,
            "duration_s": args.duration,
            "runs": args.runs,
            "warmup_s": args.warmup,
            "channel": CHANNEL,
            "database": "same database for both servers",
        },
        "queries": QUERIES,
        "data": {k: v for k, v in prepared.items() if k != "sql_queries"},
        "sql_queries_per_request": counts,
        "no_n_plus_one": {
            name: counts[name]["10"] == counts[name]["100"] for name in counts
        },
        "load_generator": harness.generator_description(generator),
        "machine": machine,
        "results": results,
        "ratios_ours_over_saleor": ratios,
        "goal": "p50/p99 ratio <= 1.3 at first=100; SQL count independent of size",
    }
    harness.write_result(NAME, payload)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Points benchmark (issue #11), in one run on one gunicorn (production
settings, DEBUG off, the harness's command line):

(1) ``POST /points/v1/members/{id}/grants`` at 32 clients, every request
    freshly signed (new timestamp, nonce and Idempotency-Key), beside a
    bench-only bare endpoint (bench/points_urls.py) that runs one
    ``UPDATE ... SET balance = balance - n WHERE balance >= n`` on a bench
    row, same clients: grants/s and p99; goal >= 0.8x the bare rps.
(2) Idempotent replays (an answered key resent with the same body, newly
    signed: a nonce is single-use) beside the GraphQL floor's cheapest query
    ``{ shop { name } }`` (bench/graphql_floor.py), same server, same
    clients: p99; goal <= 1.2x the floor's p99.
(3) A checkout paid with points vs the same checkout with Saleor's dummy
    gateway (bench/points_checkout.py): server CPU per order; goal <= 1.15x
    (``--checkout-orders 0`` skips it: ``"checkout": "not measured"``).
(4) Overspend: afterwards ``services.audit()`` is empty, no quota, allowance,
    hold or redeemed account (of any channel) is negative, the bench row is
    not negative, and every fresh key answered 201 made exactly one grant.

    DEBUG=False .venv/bin/python bench/points_redeem.py [--duration 8]
        [--runs 2] [--connections 32] [--workers 2]
    DEBUG=False .venv/bin/python bench/points_redeem.py --checkout-only \
        [--runs 3] [--checkout-orders 8] [--checkout-buyers 4]   # part (3) alone

Every target is driven by the harness's Python generator (one thread per
connection) so the four compare like with like: wrk cannot sign each
request. The last stdout line is the result (one JSON object), also written
to bench/results/points_redeem.json. Creates a channel, a points program and
the table ``bench_points_balance`` in the resolved database (use a scratch
DATABASE_URL).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import sys
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable, Dict, List, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DEBUG", "False")

from bench import harness  # noqa: E402
from bench.harness import progress  # noqa: E402
from plugins.points_payment.request_signing import signed_headers  # noqa: E402
from saleor_flash import devenv  # noqa: E402

NAME = "points_redeem"
CHECKOUT_NAME = "points_checkout"  # --checkout-only
KIND = "flash_points"
harness.SERVER_KINDS[KIND] = ("saleor_flash.wsgi:application", "bench.points_settings")
PREFIX = "/points/v1"
MEMBERS = 500
QUOTA = 1_000_000_000
BARE_BALANCE = 10**15
FLOOR_QUERY = b'{"query": "{ shop { name } }"}'
JSON = {"Content-Type": "application/json"}

Request = Tuple[str, bytes, Dict[str, str]]


# ------------------------------------------------------------------ setup


def setup_ledger() -> Tuple[int, str, str]:
    """A fresh channel with points (no webhook: grants send none anyway) and
    an open period with a quota far above the demand; the bench table."""
    from django.db import connection
    from django.utils import timezone as dj_timezone

    from plugins.channel_pricing.models import Channel
    from plugins.points_payment import services

    slug = f"bench-points-{uuid.uuid4().hex[:8]}"
    channel = Channel.objects.create(name=slug, slug=slug, sso_secret=f"{slug}-sso")
    program = services.enable_program(channel.pk, mode="allowance", webhook_url="")
    now = dj_timezone.now()
    services.open_period(
        channel.pk, now - timedelta(hours=1), now + timedelta(days=30), QUOTA
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_points_balance "
            "(id integer PRIMARY KEY, balance bigint NOT NULL)"
        )
        cursor.execute(
            "INSERT INTO bench_points_balance (id, balance) VALUES (1, %s) "
            "ON CONFLICT (id) DO UPDATE SET balance = EXCLUDED.balance",
            [BARE_BALANCE],
        )
    return channel.pk, slug, program.api_secret


class Signer:
    """Builds signed channel API requests; counts the fresh keys it made."""

    def __init__(self, slug: str, secret: str):
        self.slug, self.secret = slug, secret
        self.counter = itertools.count()
        self.lock = threading.Lock()

    def post(self, path: str, body: bytes, key: str) -> Request:
        full = PREFIX + path
        headers = signed_headers(self.slug, self.secret, "POST", full, body)
        headers.update(JSON)
        headers["Idempotency-Key"] = key
        return full, body, headers

    def fresh_grant(self) -> Request:
        with self.lock:
            n = next(self.counter)
        body = json.dumps({"points": 1, "reference": f"bench {n}"}).encode()
        return self.post(
            f"/members/bench-m-{n % MEMBERS}/grants", body, f"bench-{uuid.uuid4().hex}"
        )


def bare_spend() -> Request:
    return "/bench/bare-spend", b'{"points": 1}', dict(JSON)


def floor_query() -> Request:
    return "/graphql/", FLOOR_QUERY, dict(JSON)


def replay_targets(
    base: str, signer: Signer, count: int
) -> List[Tuple[str, bytes, str]]:
    """``count`` grants answered once (201), to be resent as replays."""
    import http.client
    from urllib.parse import urlparse

    parsed = urlparse(base)
    answered = []
    for n in range(count):
        key = f"bench-replay-{uuid.uuid4().hex}"
        path = f"/members/bench-r-{n}/grants"
        body = json.dumps({"points": 1, "reference": f"replay {n}"}).encode()
        full, data, headers = signer.post(path, body, key)
        conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
        conn.request("POST", full, data, headers)
        response = conn.getresponse()
        response.read()
        conn.close()
        if response.status != 201:
            raise SystemExit(f"seeding replay {n}: status {response.status}")
        answered.append((path, body, key))
    return answered


def sample(base: str, make: Callable[[], Request]) -> Dict:
    """One request outside the measurement: status and (short) body."""
    import http.client
    from urllib.parse import urlparse

    parsed = urlparse(base)
    path, body, headers = make()
    conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
    conn.request("POST", path, body, headers)
    response = conn.getresponse()
    raw = response.read()
    replayed = response.getheader("Idempotent-Replayed")
    conn.close()
    return {
        "status": response.status,
        "body": raw[:300].decode(errors="replace"),
        "idempotent_replayed": replayed,
    }


# ------------------------------------------------------------------ measure


def measure(args, server, signer: Signer, replays) -> Dict:
    base = server.base_url

    def replay() -> Request:
        path, body, key = random.choice(replays)
        return signer.post(path, body, key)

    targets: Dict[str, Callable[[], Request]] = {
        "grant": signer.fresh_grant,
        "bare_spend": bare_spend,
        "replay": replay,
        "graphql_floor": floor_query,
    }
    samples = {name: sample(base, make) for name, make in targets.items()}
    for name, answer in samples.items():
        progress(f"sample {name}: {answer}")
        if answer["status"] not in (200, 201):
            raise SystemExit(f"{name} answered {answer}")
    if samples["replay"]["idempotent_replayed"] != "true":
        raise SystemExit("a replay was not answered as a replay")
    created = {"grant": 1, "bare_spend": 1}
    for name, make in targets.items():
        warm = run_once(base, make, args.connections, args.warmup)
        created[name] = created.get(name, 0) + warm["statuses"].get("201", 0)
    runs: Dict[str, List[Dict]] = {name: [] for name in targets}
    for run in range(args.runs):
        names = list(targets) if run % 2 == 0 else list(reversed(list(targets)))
        for name in names:
            before = server.cpu_seconds()
            figures = run_once(base, targets[name], args.connections, args.duration)
            cpu = server.cpu_seconds() - before
            figures["server_cpu_ms_per_request"] = (
                round(cpu * 1000 / figures["requests"], 3)
                if figures["requests"]
                else None
            )
            created[name] = created.get(name, 0) + figures["statuses"].get("201", 0)
            runs[name].append(figures)
            progress(
                f"run {run + 1} {name:14s} rps {figures['rps']} "
                f"p50 {figures['p50_ms']} p99 {figures['p99_ms']} "
                f"errors {figures['errors']} {figures['statuses']}"
            )
    keys = ("rps", "p50_ms", "p90_ms", "p99_ms", "server_cpu_ms_per_request")
    medians = {name: harness.medians_of(values, keys) for name, values in runs.items()}
    for name, values in runs.items():
        medians[name]["errors"] = sum(v["errors"] for v in values)
        medians[name]["requests"] = sum(v["requests"] for v in values)
    grant, bare = medians["grant"], medians["bare_spend"]
    replayed, floor = medians["replay"], medians["graphql_floor"]
    return {
        "samples": samples,
        "results": medians,
        "runs": runs,
        "created_201": created,
        "ratios": {
            "grant_vs_bare_rps": harness.ratio(grant["rps"], bare["rps"]),
            "grant_vs_bare_p99": harness.ratio(grant["p99_ms"], bare["p99_ms"]),
            "replay_p99_vs_graphql_floor_p99": harness.ratio(
                replayed["p99_ms"], floor["p99_ms"]
            ),
            "grant_vs_bare_rps_paired": harness.median(
                harness.ratio(g["rps"], b["rps"])
                for g, b in zip(runs["grant"], runs["bare_spend"])
            ),
            "replay_vs_floor_p99_paired": harness.median(
                harness.ratio(r["p99_ms"], f["p99_ms"])
                for r, f in zip(runs["replay"], runs["graphql_floor"])
            ),
        },
    }


def run_once(base: str, make, connections: int, seconds: float) -> Dict:
    result = harness.run_load(
        base + "/", b"", None, connections, duration_s=seconds, make_request=make
    )
    return result.summary()


# ------------------------------------------------------------------ check


def overspend_check(channel_id: int, grants_answered: int) -> Dict:
    """The ledger audit, negative balances, and one effect per fresh key."""
    from django.db import connection

    from plugins.points_payment import services
    from plugins.points_payment.models import PointsAccount, PointsTransfer

    problems = services.audit()
    negative = []
    for acct in PointsAccount.objects.filter(
        kind__in=("quota", "allowance", "hold", "redeemed")
    ).iterator():
        left = acct.credits_posted - acct.debits_posted - acct.debits_pending
        if left < 0:
            negative.append(f"{acct.kind} {acct.external_id}: {left}")
    with connection.cursor() as cursor:
        cursor.execute("SELECT balance FROM bench_points_balance WHERE id = 1")
        bare_left = cursor.fetchone()[0]
    if bare_left < 0:
        negative.append(f"bench_points_balance: {bare_left}")
    grant_transfers = (
        PointsTransfer.objects.filter(channel_id=channel_id, code="grant")
        .values("transfer_id")
        .distinct()
        .count()
    )
    quota = services.quota_status(channel_id)
    if quota.remaining < 0:
        negative.append(f"quota remaining {quota.remaining}")
    return {
        "audit_problems": problems[:20],
        "audit_problem_count": len(problems),
        "negative_balances": negative,
        "grant_transfers": grant_transfers,
        "grants_answered_201": grants_answered,
        "quota": {
            "quota": quota.quota,
            "granted": quota.granted,
            "remaining": quota.remaining,
        },
        "bare_balance_spent": BARE_BALANCE - bare_left,
    }


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=8.0)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--replay-keys", type=int, default=32)
    parser.add_argument("--no-migrate", action="store_true")
    parser.add_argument(
        "--checkout-orders",
        type=int,
        default=8,
        help="orders per buyer per run and mode in part (3); 0 skips it",
    )
    parser.add_argument("--checkout-buyers", type=int, default=4)
    parser.add_argument(
        "--checkout-only",
        action="store_true",
        help="run part (3) only; the result goes to bench/results/"
        "points_checkout.json (points_redeem.json is left as it is)",
    )
    args = parser.parse_args(argv)
    harness.interrupt_on_sigterm()
    started = time.time()
    services = devenv.Services()
    result: Dict = {
        "benchmark": NAME,
        "started_at": datetime.now(timezone.utc).isoformat(),
        "machine": harness.machine_info(),
        "debug": os.environ.get("DEBUG"),
        "load_generator": harness.generator_description("python"),
        "config": vars(args),
        "goals": {
            "grant_vs_bare_rps": ">= 0.8",
            "replay_p99_vs_graphql_floor_p99": "<= 1.2",
            "checkout_points_vs_dummy_server_time": "<= 1.15",
            "overspend": "0",
        },
        "checkout": "not measured",
    }
    server = None
    try:
        database_url = devenv.resolve_database(services)
        redis_url = devenv.resolve_redis(services)
        env = harness.server_env(KIND, database_url, redis_url)
        if not args.no_migrate:
            devenv.manage(env, "migrate", "--no-input", "-v", "0")
        os.environ.update(env)
        import django

        django.setup()
        if args.checkout_only:
            server = harness.start_server(KIND, args.workers, database_url, redis_url)
            result["config"]["server_argv"] = harness.server_argv(KIND, 0, args.workers)
            result.update(checkout_only(args, server))
        else:
            channel_id, slug, secret = setup_ledger()
            signer = Signer(slug, secret)
            server = harness.start_server(KIND, args.workers, database_url, redis_url)
            result["config"]["server_argv"] = harness.server_argv(KIND, 0, args.workers)
            replays = replay_targets(server.base_url, signer, args.replay_keys)
            measured = measure(args, server, signer, replays)
            if args.checkout_orders:
                from bench import points_checkout

                measured["checkout"] = points_checkout.measure(
                    server, args.runs, args.checkout_buyers, args.checkout_orders
                )
            server.stop()
            server = None
            result.update(measured)
            check = overspend_check(channel_id, measured["created_201"]["grant"])
            result["overspend_check"] = check
            effects_ok = check["grant_transfers"] == (
                check["grants_answered_201"] + args.replay_keys
            )
            check["one_effect_per_key"] = effects_ok
            clean = not check["audit_problem_count"] and not check["negative_balances"]
            result["overspend"] = 0 if clean else "VIOLATED (see overspend_check)"
            result["goals_met"] = {
                "grant_vs_bare_rps": (result["ratios"]["grant_vs_bare_rps"] or 0)
                >= 0.8,
                "replay_p99_vs_graphql_floor_p99": (
                    result["ratios"]["replay_p99_vs_graphql_floor_p99"] or 99
                )
                <= 1.2,
                "overspend": clean and effects_ok,
            }
            checkout = result["checkout"]
            if isinstance(checkout, dict):
                ratio = checkout["ratio_points_vs_dummy_server_ms_per_order"]
                result["ratios"]["checkout_points_vs_dummy_server_ms_per_order"] = ratio
                result["goals_met"]["checkout_points_vs_dummy_server_time"] = (
                    ratio is not None and ratio <= 1.15
                )
    finally:
        if server is not None:
            server.stop()
        services.stop_all()
    result["elapsed_s"] = round(time.time() - started, 1)
    harness.write_result(CHECKOUT_NAME if args.checkout_only else NAME, result)
    return 0


def checkout_only(args, server) -> Dict:
    """Part (3) alone (``--checkout-only``)."""
    from bench import points_checkout

    checkout = points_checkout.measure(
        server, args.runs, args.checkout_buyers, args.checkout_orders or 8
    )
    ratio = checkout["ratio_points_vs_dummy_server_ms_per_order"]
    return {
        "benchmark": CHECKOUT_NAME,
        "goals": {"checkout_points_vs_dummy_server_time": "<= 1.15"},
        "checkout": checkout,
        "ratios": {"checkout_points_vs_dummy_server_ms_per_order": ratio},
        "goals_met": {
            "checkout_points_vs_dummy_server_time": ratio is not None and ratio <= 1.15
        },
    }


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

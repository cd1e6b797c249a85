"""Part (3) of bench/points_redeem.py: one storefront checkout paid with
points (gateway ``flash.payments.points``, channel confirmation ``none``)
vs the same checkout paid with Saleor's dummy gateway, on the same server,
the same channel shop and the same signed-in members; server CPU per order.

Steps per order, both modes: checkoutCreate -> checkoutShippingMethodUpdate
-> [points only: pointsPaymentConfirm, which issues the single-use payment
token even without confirmation] -> checkoutPaymentCreate ->
checkoutComplete. The shop comes from the points tests' helpers
(tests/points_payment/gateway_support.py), the GraphQL documents from
tests/storefront.py; the steps too (``new_checkout`` and ``buy`` over HTTP).
"""

from __future__ import annotations

import threading
import time
from typing import Dict, List

from bench import harness
from bench.harness import progress

DUMMY = "mirumee.payments.dummy"
POINTS = "flash.payments.points"


def make_shop(buyers: int):
    from tests.points_payment import gateway_support as shop_steps

    shop = shop_steps.make_shop(quota=10**9, confirmation="none", webhook=False)
    tokens = [
        shop_steps.member_token(shop, f"bench-buyer-{n}", 10**7) for n in range(buyers)
    ]
    return shop, tokens


def fresh_tokens(shop, buyers: int) -> List[str]:
    """The buyers signed in again (a member's JWT lasts minutes; a loaded
    machine's batch can outlast it)."""
    from tests.points_payment import gateway_support as shop_steps

    return [shop_steps.member_token(shop, f"bench-buyer-{n}") for n in range(buyers)]


def one_order(graphql_url: str, shop, token: str, gateway: str) -> None:
    from tests.points_payment import gateway_support as shop_steps

    send = shop_steps.over_http(graphql_url)
    checkout = shop_steps.new_checkout(shop, token, send=send)
    completed = shop_steps.buy(checkout, token, send, gateway)
    if not completed["order"]:
        raise RuntimeError(f"checkoutComplete returned no order: {completed}")


def batch(server, shop, tokens: List[str], gateway: str, orders_each: int) -> Dict:
    """Every buyer (one thread each) places ``orders_each`` orders in turn."""
    failures: List[str] = []
    lock = threading.Lock()

    def buyer(token):
        for _ in range(orders_each):
            try:
                one_order(server.graphql_url, shop, token, gateway)
            except Exception as error:  # reported, never hidden
                with lock:
                    failures.append(repr(error)[:300])

    threads = [threading.Thread(target=buyer, args=(t,)) for t in tokens]
    cpu_before = server.cpu_seconds()
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - began
    cpu = server.cpu_seconds() - cpu_before
    orders = len(tokens) * orders_each - len(failures)
    return {
        "orders": orders,
        "failures": len(failures),
        "failure_samples": failures[:3],
        "wall_s": round(wall, 3),
        "server_ms_per_order": round(cpu * 1000 / orders, 2) if orders else None,
        "wall_ms_per_order": round(wall * 1000 / orders, 2) if orders else None,
    }


def measure(server, runs: int, buyers: int, orders_each: int) -> Dict:
    shop, tokens = make_shop(buyers)
    modes = {"points": POINTS, "dummy": DUMMY}
    for gateway in modes.values():  # warm-up, and proof both modes work
        one_order(server.graphql_url, shop, tokens[0], gateway)
    detail: Dict[str, List[Dict]] = {name: [] for name in modes}
    for run in range(runs):
        names = list(modes) if run % 2 == 0 else list(reversed(list(modes)))
        for name in names:
            tokens = fresh_tokens(shop, buyers)
            figures = batch(server, shop, tokens, modes[name], orders_each)
            detail[name].append(figures)
            progress(f"checkout run {run + 1} {name}: {figures}")
    keys = ("server_ms_per_order", "wall_ms_per_order")
    medians = {
        name: harness.medians_of(values, keys) for name, values in detail.items()
    }
    for name, values in detail.items():
        medians[name]["orders"] = sum(v["orders"] for v in values)
        medians[name]["failures"] = sum(v["failures"] for v in values)
    return {
        "buyers": buyers,
        "orders_per_buyer_per_run": orders_each,
        "steps": "checkoutCreate, shipping, [pointsPaymentConfirm], "
        "checkoutPaymentCreate, checkoutComplete",
        "results": medians,
        "runs": detail,
        "ratio_points_vs_dummy_server_ms_per_order": harness.ratio(
            medians["points"]["server_ms_per_order"],
            medians["dummy"]["server_ms_per_order"],
        ),
        "ratio_points_vs_dummy_server_ms_per_order_paired": harness.median(
            harness.ratio(p["server_ms_per_order"], d["server_ms_per_order"])
            for p, d in zip(detail["points"], detail["dummy"])
        ),
    }

"""The herd: many buyers race for a few units through Saleor's whole checkout,
over HTTP, against 2 and 8 server processes. Exactly `stock` orders, nothing
oversold, and no payment without an order, run after run."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db.models import Sum
from saleor.order.models import OrderLine
from saleor.payment import ChargeStatus
from saleor.payment.models import Payment
from saleor.warehouse.models import Allocation, Stock

from tests.checkout_guard.conftest import variant_gid
from tests.storefront import buy
from tests.support import database_url_from_settings, start_api_server

pytestmark = [pytest.mark.server]

UNITS = 10
BUYERS = 40
RUNS = 5


def run_herd(server, stock: Stock, run: int):
    Stock.objects.filter(pk=stock.pk).update(quantity=UNITS)
    gid = variant_gid(stock)
    with ThreadPoolExecutor(max_workers=16) as pool:
        purchases = list(
            pool.map(
                lambda n: buy(server.graphql_url, gid, f"buyer{run}-{n}@herd.test"),
                range(BUYERS),
            )
        )
    return purchases


def assert_no_oversell_and_no_orphan_payment(stock: Stock, purchases):
    winners = [p for p in purchases if p.won]
    losers = [p for p in purchases if not p.won]
    ordered = (
        OrderLine.objects.filter(variant_id=stock.product_variant_id).aggregate(
            total=Sum("quantity")
        )["total"]
        or 0
    )
    allocated = Allocation.objects.filter(stock=stock).aggregate(
        total=Sum("quantity_allocated")
    )["total"]
    tokens = [p.checkout_token for p in purchases if p.checkout_token]
    charged_without_order = Payment.objects.filter(
        checkout_id__in=tokens,
        order__isnull=True,
        charge_status__in=[ChargeStatus.FULLY_CHARGED, ChargeStatus.PARTIALLY_CHARGED],
    ).count()

    assert len(winners) == UNITS, [p.error_message for p in losers][:5]
    assert ordered == UNITS
    assert allocated == UNITS  # never more than the stock
    assert charged_without_order == 0
    for loser in losers:
        assert not loser.top_level_error, loser.error_message
        assert loser.error_code == "INSUFFICIENT_STOCK", loser


@pytest.mark.parametrize(
    "workers,hold_on_add",
    [(2, False), (8, False), (8, True)],
    ids=[
        "2-workers-hold-at-complete",
        "8-workers-hold-at-complete",
        "8-workers-hold-on-add",
    ],
)
def test_herd_sells_exactly_the_stock(demo_stocks, workers, hold_on_add):
    from django.conf import settings

    server = start_api_server(
        database_url_from_settings(settings.DATABASES["default"]),
        workers=workers,
        extra_env={"FLASH_HOLD_ON_ADD": str(hold_on_add).lower()},
    )
    try:
        runs = RUNS if not hold_on_add else 2
        for run in range(runs):
            stock = demo_stocks[run]
            purchases = run_herd(server, stock, run)
            assert_no_oversell_and_no_orphan_payment(stock, purchases)
            if hold_on_add:
                # Losers are told at checkoutCreate, before shipping and payment.
                assert {p.failed_step for p in purchases if not p.won} == {
                    "checkoutCreate"
                }
    finally:
        server.stop()

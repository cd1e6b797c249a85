"""The reservation core against real PostgreSQL and Redis (DB 11 in CI runs),
with real concurrency: threads, each on its own database connection."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from plugins.sale_windows import gate, reservations, storefront
from plugins.sale_windows.domain import ReservationState
from plugins.sale_windows.models import FlashSaleItem, Reservation
from plugins.sale_windows.reservations import ReservationError
from plugins.sale_windows.services import items_with_reserved

from .factories import (
    make_checkout,
    make_item,
    make_user,
    make_variant,
    on_the_test_database,
    sell_as_checkout_complete,
)

pytestmark = pytest.mark.usefixtures("committed_db")


@pytest.mark.django_db
def test_on_the_test_database():
    on_the_test_database()


THREADS = 24


@pytest.fixture(autouse=True)
def clean_gate(redis_client):
    redis_client.flushdb()  # our own Redis DB only (see conftest REDIS_URL)
    gate.reset()
    yield
    gate.reset()


def reserve(item, checkout, quantity=1, user=None):
    return storefront.reserve_for_checkout(item.pk, quantity, checkout.token, user)


def code_of(call):
    try:
        call()
    except ReservationError as error:
        return error.code
    return "ok"


def in_threads(calls, threads=THREADS):
    """Run the calls concurrently; each worker thread closes its connection."""

    def run(call):
        try:
            return code_of(call)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(run, calls))


def held_units(item):
    return items_with_reserved().get(pk=item.pk).reserved


def pg_free(item):
    item = items_with_reserved().get(pk=item.pk)
    return item.cap - item.sold - item.reserved


def test_reserve_returns_a_hold_that_lapses_after_the_ttl(settings):
    settings.FLASH_RESERVATION_TTL_SECONDS = 600
    item = make_item(cap=5)
    hold = reserve(item, make_checkout(), quantity=2)
    assert hold.state == ReservationState.HELD
    assert hold.quantity == 2
    lasts = (hold.expires_at - hold.created_at).total_seconds()
    assert lasts == pytest.approx(600, abs=1)
    assert held_units(item) == 2


def test_a_retried_reserve_does_not_hold_twice():
    item = make_item(cap=5)
    checkout = make_checkout()
    first = reserve(item, checkout, quantity=2)
    again = reserve(item, checkout, quantity=2)
    assert again.pk == first.pk and again.expires_at == first.expires_at
    assert held_units(item) == 2
    # A new quantity replaces the hold, it does not add to it.
    assert reserve(item, checkout, quantity=3).pk == first.pk
    assert held_units(item) == 3
    assert Reservation.objects.filter(item=item).count() == 1


def test_bad_quantities_and_unknown_items_are_refused():
    item = make_item(cap=5)
    checkout = make_checkout()
    assert code_of(lambda: reserve(item, checkout, quantity=0)) == "invalid_quantity"
    assert code_of(lambda: reserve(item, checkout, quantity=6)) == "invalid_quantity"
    assert (
        code_of(lambda: storefront.reserve_for_checkout(10**9, 1, checkout.token))
        == "not_found"
    )
    assert held_units(item) == 0


def test_one_second_before_the_start_and_at_the_end_are_not_live():
    upcoming = make_item(starts_in=timedelta(seconds=1.5), ends_in=timedelta(hours=1))
    checkout = make_checkout()
    assert code_of(lambda: reserve(upcoming, checkout)) == "not_live"
    time.sleep(1.6)
    assert code_of(lambda: reserve(upcoming, checkout)) == "ok"

    ending = make_item(starts_in=timedelta(minutes=-1), ends_in=timedelta(seconds=1))
    late = make_checkout()
    assert code_of(lambda: reserve(ending, late)) == "ok"
    time.sleep(1.1)
    assert code_of(lambda: reserve(ending, make_checkout())) == "not_live"


def test_a_hold_never_outlasts_the_sale():
    item = make_item(ends_in=timedelta(seconds=30))
    hold = reserve(item, make_checkout())
    assert hold.expires_at <= item.sale.ends_at


def test_cancelled_sales_are_not_live():
    item = make_item()
    from django.utils import timezone

    item.sale.cancelled_at = timezone.now()
    item.sale.save()
    assert code_of(lambda: reserve(item, make_checkout())) == "not_live"


def test_500_concurrent_attempts_hold_exactly_the_cap_of_50():
    item = make_item(cap=50)
    checkouts = [make_checkout() for _ in range(500)]
    started = time.monotonic()
    codes = in_threads([lambda c=c: reserve(item, c) for c in checkouts])
    elapsed = time.monotonic() - started
    assert codes.count("ok") == 50
    assert set(codes) == {"ok", "sold_out"}
    assert held_units(item) == 50
    assert Reservation.objects.filter(item=item, state="held").count() == 50
    print(f"\n500 attempts on cap 50 in {elapsed:.2f}s with {THREADS} threads")
    # The gate learnt the item is full and agrees with PostgreSQL.
    assert int(gate.read_item(item.sale_id, item.pk)["free"]) == pg_free(item) == 0


def test_one_customer_hammering_with_limit_1_gets_exactly_1():
    item = make_item(cap=50, per_customer_limit=1)
    email = "hammer@example.com"
    checkouts = [make_checkout(email=email) for _ in range(60)]
    codes = in_threads([lambda c=c: reserve(item, c) for c in checkouts])
    assert codes.count("ok") == 1
    assert set(codes) == {"ok", "limit_exceeded"}
    assert held_units(item) == 1
    # Another customer is not affected.
    assert code_of(lambda: reserve(item, make_checkout())) == "ok"


def test_the_limit_counts_committed_units_of_earlier_orders():
    item = make_item(cap=10, per_customer_limit=2)
    email = "repeat@example.com"
    first = make_checkout(email=email)
    reserve(item, first, quantity=2)
    sell_as_checkout_complete(None, first.token, {item.variant_id: 2})
    item.refresh_from_db()
    assert item.sold == 2
    assert code_of(lambda: reserve(item, make_checkout(email=email))) == (
        "limit_exceeded"
    )


def test_duplicate_retries_in_parallel_hold_once_per_checkout():
    item = make_item(cap=50)
    checkouts = [make_checkout() for _ in range(40)]
    calls = [lambda c=c: reserve(item, c, quantity=1) for c in checkouts for _ in "abc"]
    codes = in_threads(calls)
    assert codes.count("ok") == 120  # every retry answers with the same hold
    assert held_units(item) == 40
    assert Reservation.objects.filter(item=item).count() == 40


def test_an_expired_hold_gives_its_units_back(settings):
    settings.FLASH_RESERVATION_TTL_SECONDS = 1
    item = make_item(cap=1)
    first = make_checkout()
    reserve(item, first)
    assert code_of(lambda: reserve(item, make_checkout())) == "sold_out"
    time.sleep(1.2)
    # Lazily expired by the next reserve (the gate's state lapsed with the hold).
    assert code_of(lambda: reserve(item, make_checkout())) == "ok"
    assert Reservation.objects.get(checkout_token=first.token).state == "expired"
    assert held_units(item) == 1


def test_the_sweep_expires_holds_and_the_gate_learns_it(settings):
    settings.FLASH_RESERVATION_TTL_SECONDS = 1
    item = make_item(cap=3)
    hold = reserve(item, make_checkout(), quantity=3)
    time.sleep(1.1)
    assert reservations.expire_lapsed_holds() >= 1  # other tests' holds too
    hold.refresh_from_db()
    assert hold.state == "expired"
    assert held_units(item) == 0
    assert int(gate.read_item(item.sale_id, item.pk)["free"]) == 3


def test_release_gives_units_back_and_twice_is_harmless():
    item = make_item(cap=1)
    hold = reserve(item, make_checkout())
    storefront.release_hold(hold.token)
    assert storefront.release_hold(hold.token).state == "released"
    assert code_of(lambda: reserve(item, make_checkout())) == "ok"


def test_sold_out_is_answered_by_the_gate_without_postgresql():
    item = make_item(cap=1)
    reserve(item, make_checkout())
    loser = make_checkout()
    with CaptureQueriesContext(connection) as queries:
        assert code_of(lambda: reserve(item, loser)) == "sold_out"
    assert len(queries) == 0, [q["sql"] for q in queries]


def test_limit_is_answered_by_the_gate_for_a_signed_in_customer():
    user = make_user("limit@example.com")
    item = make_item(cap=10, per_customer_limit=1)
    reserve(item, make_checkout(user=user), user=user)
    second = make_checkout(user=user)
    with CaptureQueriesContext(connection) as queries:
        assert code_of(lambda: reserve(item, second, user=user)) == "limit_exceeded"
    # One unlocked read confirms the gate's refusal (its customer figure may
    # be stale): no lock, no hold decision.
    assert len(queries) == 1, [q["sql"] for q in queries]
    assert "FOR UPDATE" not in queries[0]["sql"]
    assert "UPDATE" not in queries[0]["sql"].split("SELECT", 1)[0]


def test_redis_flushed_mid_race_never_oversells(redis_client):
    item = make_item(cap=50)
    checkouts = [make_checkout() for _ in range(300)]
    stop = threading.Event()

    def flusher():
        while not stop.is_set():
            redis_client.flushdb()
            time.sleep(0.005)

    thread = threading.Thread(target=flusher)
    thread.start()
    try:
        codes = in_threads([lambda c=c: reserve(item, c) for c in checkouts])
    finally:
        stop.set()
        thread.join()
    assert codes.count("ok") == 50
    assert held_units(item) == 50
    # After the flush, the next decision rebuilds the gate from PostgreSQL.
    assert code_of(lambda: reserve(item, make_checkout())) == "sold_out"
    assert int(gate.read_item(item.sale_id, item.pk)["free"]) == 0


def test_redis_unreachable_falls_back_to_postgresql_alone(settings):
    settings.FLASH_GATE_REDIS_URL = "redis://127.0.0.1:1/11"
    gate.reset()
    item = make_item(cap=20)
    checkouts = [make_checkout() for _ in range(100)]
    started = time.monotonic()
    codes = in_threads([lambda c=c: reserve(item, c) for c in checkouts])
    assert time.monotonic() - started < 20
    assert codes.count("ok") == 20
    assert set(codes) == {"ok", "sold_out"}
    assert held_units(item) == 20


def make_package(caps):
    first = make_item(cap=caps[0], kind="package")
    items = [first] + [
        FlashSaleItem.objects.create(
            sale=first.sale, variant=make_variant(), sale_price_amount=5, cap=cap
        )
        for cap in caps[1:]
    ]
    return first.sale, items


def reserve_package(sale, checkout, quantity=1):
    return storefront.reserve_package_for_checkout(sale.pk, quantity, checkout.token)


def test_a_package_is_held_all_or_nothing():
    sale, (big, small) = make_package([3, 1])
    first = make_checkout()
    held = reserve_package(sale, first)
    assert sorted(h.item_id for h in held) == [big.pk, small.pk]
    assert [h.pk for h in reserve_package(sale, first)] == [h.pk for h in held]

    second = make_checkout()
    assert code_of(lambda: reserve_package(sale, second)) == "sold_out"
    assert not Reservation.objects.filter(checkout_token=second.token).exists()
    assert held_units(big) == 1  # the refused package kept nothing
    # A package item cannot be held on its own.
    assert code_of(lambda: reserve(big, make_checkout())) == "invalid"


def test_concurrent_packages_never_split():
    sale, (big, small) = make_package([5, 3])
    checkouts = [make_checkout() for _ in range(40)]
    codes = in_threads([lambda c=c: reserve_package(sale, c) for c in checkouts])
    assert codes.count("ok") == 3
    assert held_units(big) == 3 and held_units(small) == 3


def test_a_release_waits_for_a_running_checkout_complete():
    """flashSaleRelease sent while checkoutComplete runs (between payment and
    the order) waits for it; the order sold the hold, so the release changes
    nothing (it would otherwise leave the order priced without its hold)."""
    from plugins.checkout_guard.rescue import checkout_lock

    item = make_item(cap=5)
    checkout = make_checkout()
    hold = reserve(item, checkout)

    # Another thread (its own connection) plays checkoutComplete: it holds the
    # checkout's lock, sells the hold, then lets go.
    locked, finish = threading.Event(), threading.Event()
    outcome = {}

    def complete():
        try:
            with checkout_lock(checkout.token):
                locked.set()
                finish.wait(10)
                Reservation.objects.filter(pk=hold.pk).update(state="committed")
                outcome["let_go"] = time.monotonic()
        finally:
            connections.close_all()

    def release():
        try:
            outcome["state"] = storefront.release_hold(hold.token).state
            outcome["released"] = time.monotonic()
        finally:
            connections.close_all()

    completer = threading.Thread(target=complete)
    completer.start()
    assert locked.wait(10)
    releaser = threading.Thread(target=release)
    releaser.start()
    time.sleep(0.5)
    assert "state" not in outcome  # waiting for the complete
    finish.set()
    completer.join(10)
    releaser.join(10)
    assert outcome["state"] == "committed"
    assert outcome["released"] >= outcome["let_go"]
    assert Reservation.objects.get(pk=hold.pk).state == "committed"


def _while_completing(checkout_token, body):
    """Play checkoutComplete in another thread (its own connection): hold the
    checkout's completion lock until ``body`` (run in this thread) returns."""
    from plugins.checkout_guard.rescue import checkout_lock

    locked, finish = threading.Event(), threading.Event()

    def complete():
        try:
            with checkout_lock(checkout_token):
                locked.set()
                finish.wait(10)
        finally:
            connections.close_all()

    completer = threading.Thread(target=complete)
    completer.start()
    assert locked.wait(10)
    try:
        return body()
    finally:
        finish.set()
        completer.join(10)


def _waits_for_the_complete(checkout_token, call):
    """``call`` in a thread must not finish while the complete runs; returns
    its outcome (a code) once the complete let go."""
    outcome = {}

    def run():
        try:
            outcome["code"] = code_of(call)
        finally:
            connections.close_all()

    def body():
        caller = threading.Thread(target=run)
        caller.start()
        time.sleep(0.5)
        assert "code" not in outcome, "it did not wait for the running complete"
        return caller

    caller = _while_completing(checkout_token, body)
    caller.join(10)
    return outcome["code"]


def test_a_reserve_on_a_checkout_being_completed_waits():
    """#10 item 1: flashSaleReserve(checkoutId) cannot change a hold while
    the checkout is completed (between payment and the order)."""
    item = make_item(cap=5)
    checkout = make_checkout()
    hold = reserve(item, checkout, quantity=3)
    code = _waits_for_the_complete(
        checkout.token, lambda: reserve(item, checkout, quantity=1)
    )
    assert code == "ok"  # then it goes through (the complete sold nothing here)
    hold.refresh_from_db()
    assert hold.quantity == 1


def test_a_package_reserve_on_a_checkout_being_completed_waits():
    from .factories import make_package_sale

    sale, items = make_package_sale(
        [make_variant(), make_variant()],
        caps=[5, 5],
        sale_prices=[Decimal("5.00"), Decimal("6.00")],
    )
    checkout = make_checkout()
    code = _waits_for_the_complete(
        checkout.token,
        lambda: storefront.reserve_package_for_checkout(sale.pk, 1, checkout.token),
    )
    assert code == "ok"
    assert Reservation.objects.filter(checkout_token=checkout.token).count() == 2


def test_expiry_skips_the_holds_of_a_checkout_being_completed(settings):
    """A lapsed hold of a checkout being completed is neither swept nor
    lazily expired by another buyer's reserve: the running order sells
    exactly what it was priced for, and the units count until it does."""
    settings.FLASH_RESERVATION_TTL_SECONDS = 1
    item = make_item(cap=1)
    completing = make_checkout()
    hold = reserve(item, completing)
    time.sleep(1.2)

    def others_try():
        swept = reservations.expire_lapsed_holds()
        other = code_of(lambda: reserve(item, make_checkout()))
        return swept, other

    results = {}

    def body():
        def run():
            try:
                results["value"] = others_try()
            finally:
                connections.close_all()

        other = threading.Thread(target=run)
        other.start()
        other.join(10)

    _while_completing(completing.token, body)
    hold.refresh_from_db()
    assert results["value"][1] == "sold_out"
    assert hold.state == "held"
    reservations.expire_lapsed_holds()  # the complete is over: now it lapses
    hold.refresh_from_db()
    assert hold.state == "expired"


@pytest.mark.parametrize(
    "item_pk", ["not-a-number", "99999999999", "0"], ids=["text", "too-big", "zero"]
)
def test_a_bad_item_id_on_flash_sale_reserve_is_a_typed_error(item_pk):
    """Low item of #10: was an untyped top-level error (int() of the id, or
    an integer out of PostgreSQL's range)."""
    import graphene

    from tests.in_process import gql

    checkout = make_checkout()
    answer = gql(
        """mutation($item: ID!, $checkout: ID!) {
          flashSaleReserve(itemId: $item, quantity: 1, checkoutId: $checkout) {
            flashSaleErrors { field code } } }""",
        {
            "item": graphene.Node.to_global_id("FlashSaleItem", item_pk),
            "checkout": graphene.Node.to_global_id("Checkout", checkout.token),
        },
    )
    assert "errors" not in answer, answer
    assert answer["data"]["flashSaleReserve"]["flashSaleErrors"] == [
        {"field": "itemId", "code": "NOT_FOUND"}
    ]


def test_the_sweep_forgets_acceptances_of_checkouts_that_never_got_an_order():
    import uuid as uuid_module

    from django.utils import timezone

    from plugins.sale_windows.models import AcceptedFlashUnits
    from plugins.sale_windows.services import expire_reservations

    item = make_item(cap=5)
    old, fresh = uuid_module.uuid4(), uuid_module.uuid4()
    for token, age in ((old, timedelta(days=2)), (fresh, timedelta(minutes=5))):
        AcceptedFlashUnits.objects.create(
            checkout_token=token,
            item=item,
            units=1,
            sale_price_amount=item.sale_price_amount,
            accepted_at=timezone.now() - age,
        )
    expire_reservations()
    left = set(
        AcceptedFlashUnits.objects.filter(item=item).values_list(
            "checkout_token", flat=True
        )
    )
    assert left == {fresh}
    AcceptedFlashUnits.objects.filter(item=item).delete()

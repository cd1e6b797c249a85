"""The gate never refuses a customer from a stale figure (#10 item 6), with
real PostgreSQL and Redis: a cancellation whose publish arrives late, after a
newer publish about someone else, or never arrives at all (its process was
killed between commit and publish), must not answer LIMIT_EXCEEDED."""

from __future__ import annotations

import pytest
from django.db import transaction

from plugins.sale_windows import gate, reservations, storefront

from .factories import (
    _track,
    make_checkout,
    make_item,
    make_user,
    on_the_test_database,
    sell_as_checkout_complete,
)

pytestmark = pytest.mark.usefixtures("committed_db")


@pytest.mark.django_db
def test_on_the_test_database():
    on_the_test_database()


@pytest.fixture(autouse=True)
def clean_gate(redis_client):
    redis_client.flushdb()
    gate.reset()
    yield
    gate.reset()


def reserve(item, user):
    checkout = make_checkout(user=user)
    storefront.reserve_for_checkout(item.pk, 1, checkout.token, user)
    return checkout


def buy(item, user):
    """The customer holds and orders one unit (our order hook service)."""
    from saleor.order.models import Order

    checkout = reserve(item, user)
    with transaction.atomic():
        order = _track(Order.objects.create(user_email=user.email))
        sell_as_checkout_complete(order.pk, checkout.token, {item.variant_id: 1})
    return order


def cancel_without_publishing(order, monkeypatch):
    """Cancel the order; its gate publish is held back (a slow or killed
    publisher): returns the states it would have published."""
    held_back = []
    with monkeypatch.context() as patch:
        patch.setattr(gate, "publish", lambda states: held_back.extend(states))
        assert reservations.give_back_for_order(order.pk) == 1
    return held_back


def gate_answer(item, user):
    return gate.check(item.sale_id, item.pk, 1, "", user.email.lower())


def test_a_cancellation_published_after_a_newer_publish_still_frees_its_customer(
    monkeypatch,
):
    item = make_item(cap=10, per_customer_limit=1)
    buyer = make_user("reordered-buyer@example.com")
    order = buy(item, buyer)
    assert gate_answer(item, buyer) == gate.LIMIT_EXCEEDED  # true: they bought 1

    late_publish = cancel_without_publishing(order, monkeypatch)
    reserve(item, make_user("someone-else@example.com"))  # a newer publish lands
    gate.publish(late_publish)  # then the cancellation's, out of order

    assert gate_answer(item, buyer) == gate.PASS
    reserve(item, buyer)


def test_a_lost_cancellation_publish_does_not_refuse_its_customer(monkeypatch):
    item = make_item(cap=10, per_customer_limit=1)
    buyer = make_user("lost-publish-buyer@example.com")
    order = buy(item, buyer)
    cancel_without_publishing(order, monkeypatch)  # and never published

    # The gate still holds "bought 1"; PostgreSQL is asked before refusing.
    assert gate_answer(item, buyer) == gate.LIMIT_EXCEEDED
    reserve(item, buyer)


def test_a_rebuild_rewrites_customer_entries(monkeypatch):
    item = make_item(cap=10, per_customer_limit=1)
    buyer = make_user("rebuilt-buyer@example.com")
    order = buy(item, buyer)
    cancel_without_publishing(order, monkeypatch)
    assert gate_answer(item, buyer) == gate.LIMIT_EXCEEDED  # stale

    reservations.rebuild_gate([item.pk])  # the beat's sweep
    assert gate_answer(item, buyer) == gate.PASS
    fields = gate.read_item(item.sale_id, item.pk)
    assert f"c:{buyer.email.lower()}" not in fields


def test_a_rebuild_keeps_what_is_true(redis_client):
    item = make_item(cap=1, per_customer_limit=1)
    buyer = make_user("still-bought@example.com")
    buy(item, buyer)
    redis_client.flushdb()
    reservations.rebuild_gate([item.pk])
    assert gate_answer(item, buyer) == gate.LIMIT_EXCEEDED

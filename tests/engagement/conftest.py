"""Builders for the newsletter and support tests: buyers, staff, orders,
the e-mails the outbox holds."""

from __future__ import annotations

import re
import uuid
from typing import List, Optional

import pytest
from django.contrib.auth.models import Permission
from graphql_jwt.shortcuts import get_token

from plugins.core.models import OutboxMessage


def make_user(email: Optional[str] = None, staff: bool = False, *codenames):
    from saleor.account.models import User

    user = User.objects.create_user(
        email or f"u-{uuid.uuid4().hex[:10]}@example.com",
        "s3cret-pass",
        is_staff=staff,
    )
    for codename in codenames:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    return user


def token(user) -> str:
    return get_token(user)


def make_order(user):
    from saleor.order.models import Order

    return Order.objects.create(
        user=user, user_email=user.email, token=str(uuid.uuid4())
    )


def make_shipment(order, provider_name: str = "Acme Parcels", **fields):
    """A provider's sub-order of ``order`` (what orderShipments lists)."""
    from decimal import Decimal

    from plugins.provider_dropship.models import Provider, SubOrder

    provider = Provider.objects.create(
        name=provider_name, slug=f"p-{uuid.uuid4().hex[:10]}"
    )
    return SubOrder.objects.create(
        order=order, provider=provider, settlement_amount=Decimal("0"), **fields
    )


def mails(event_type: str, to: Optional[str] = None) -> List[OutboxMessage]:
    rows = OutboxMessage.objects.filter(
        kind=OutboxMessage.EMAIL, event_type=event_type
    ).order_by("pk")
    if to:
        rows = rows.filter(recipients__contains=[to])
    return list(rows)


def link(body: str, path: str) -> str:
    """The token of the first link to ``path`` in an e-mail body."""
    found = re.search(re.escape(path) + r"\?token=(\S+)", body)
    assert found, f"no {path} link in {body!r}"
    from urllib.parse import unquote

    return unquote(found.group(1))


@pytest.fixture
def flushed_rate_limits(redis_client):
    """No rate-limit counters left from earlier tests."""
    for key in redis_client.scan_iter("flash:rl:*"):
        redis_client.delete(key)
    yield


@pytest.fixture
def committed(django_db_setup, django_db_blocker):
    """Autocommit access to the test database (other processes and threads
    see the rows); deletes what the test made afterwards. Cheaper than
    ``transaction=True``, which flushes every Saleor table. pytest-django
    creates the test database only when a collected test is marked
    ``django_db``: keep one in each module that uses this."""
    with django_db_blocker.unblock():
        from django.db import connection
        from saleor.account.models import User
        from saleor.order.models import Order

        from plugins.engagement.models import (
            HelpdeskInboundEvent,
            NewsletterSubscription,
            SupportRequest,
        )

        assert connection.settings_dict["NAME"].startswith("test_")
        # Deleted in this order (requests before their users and orders).
        models = [
            OutboxMessage,
            HelpdeskInboundEvent,
            NewsletterSubscription,
            SupportRequest,
            Order,
            User,
        ]
        marks = {
            model: (
                model.objects.order_by("-pk").values_list("pk", flat=True)[:1] or [0]
            )[0]
            for model in models
        }
        try:
            yield
        finally:
            for model in models:
                model.objects.filter(pk__gt=marks[model]).delete()


def clear_statistics() -> None:
    """Empty the event table, roll-ups, keys and the Redis queue, holding the
    drain lock: a Celery worker started by another module may be draining an
    earlier test's events, which must not land after the table is emptied.
    (The lock goes with the queue's other keys.)"""
    import time
    import uuid

    from django.db import connection

    from plugins.engagement import ingestion, queue

    deadline = time.monotonic() + 30
    while not queue.take_lock(uuid.uuid4().hex) and time.monotonic() < deadline:
        time.sleep(0.05)
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE engagement_event, engagement_hourlyrollup, "
            "engagement_timeonpagerollup, engagement_dirtyhour, "
            "engagement_scoperollup"
        )
        cursor.execute("DELETE FROM engagement_eventkey")
    client = queue.client()
    for pattern in ("flash:events:*", "flash:rl:events-*"):
        keys = list(client.scan_iter(match=pattern, count=1000))
        if keys:
            client.delete(*keys)
    ingestion.forget_cached_keys()


@pytest.fixture(scope="module")
def committed_db(django_db_setup, django_db_blocker):
    """Autocommit access to the test database for a whole module (threads,
    workers and servers see committed rows); statistics emptied around it."""
    from tests.sale_windows import factories

    with django_db_blocker.unblock():
        from django.db import connection

        assert connection.settings_dict["NAME"].startswith("test_")
        clear_statistics()
        try:
            yield
        finally:
            clear_statistics()
            factories.delete_created()


@pytest.fixture
def clean_stats(committed_db):
    from tests.engagement.conftest import clear_statistics

    clear_statistics()
    yield

"""Channels with points programs for the ledger tests: committed rows, each
test its own channel, removed at the end of the module."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Callable, List, Optional

from django.db import connection
from django.utils import timezone

from plugins.channel_pricing.models import Channel
from plugins.points_payment import services

CREATED: List[int] = []
WEBHOOK_URL = "https://hooks.example.com/points"


def make_program(
    mode: str = "allowance",
    quota: int = 1000,
    *,
    period_days: int = 30,
    webhook: bool = True,
    starts_ago: Optional[timedelta] = None,
    **settings,
) -> int:
    """A channel with an enabled program and an open period; its id."""
    slug = f"pts-{uuid.uuid4().hex[:10]}"
    channel = Channel.objects.create(name=slug, slug=slug, sso_secret=f"{slug}-sso")
    CREATED.append(channel.pk)
    services.enable_program(
        channel.pk,
        mode=mode,
        webhook_url=WEBHOOK_URL if webhook else "",
        **settings,
    )
    now = timezone.now()
    services.open_period(
        channel.pk,
        now - (starts_ago or timedelta(hours=1)),
        now + timedelta(days=period_days),
        quota,
    )
    return channel.pk


def delete_created() -> None:
    if not CREATED:
        return
    ids = list(CREATED)
    from plugins.core.models import OutboxMessage

    OutboxMessage.objects.filter(url=WEBHOOK_URL).delete()
    with connection.cursor() as cursor:
        for table in (
            "points_payment_pointstransfer",
            "points_payment_pointsaccount",
            "points_payment_settlementperiod",
            "points_payment_signinbalance",
            "points_payment_pointsprogram",
        ):
            cursor.execute(f"DELETE FROM {table} WHERE channel_id = ANY(%s)", [ids])
    slugs = list(Channel.objects.filter(pk__in=ids).values_list("slug", flat=True))
    Channel.objects.filter(pk__in=ids).delete()
    from django.contrib.auth import get_user_model

    for slug in slugs:
        get_user_model().objects.filter(
            email__endswith=f"@{slug}.members.local"
        ).delete()
    CREATED.clear()


def webhooks_of(channel_id: int, event_type: str):
    import json

    from plugins.core.models import OutboxMessage

    slug = Channel.objects.get(pk=channel_id).slug
    return [
        json.loads(message.body)
        for message in OutboxMessage.objects.filter(
            event_type=event_type, url=WEBHOOK_URL
        ).order_by("pk")
        if json.loads(message.body).get("channel") == slug
    ]


def race(count: int, work: Callable[[int], object]) -> List[object]:
    """Run ``work(i)`` in ``count`` threads released together; results or
    the exceptions raised."""
    barrier = threading.Barrier(count)

    def run(i):
        try:
            barrier.wait()
            return work(i)
        except Exception as error:  # the outcome is the result
            return error
        finally:
            connection.close()

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))

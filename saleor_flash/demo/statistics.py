"""Demo statistics: a write key per demo channel and a website key, and a
few thousand storefront events over the last three days, rolled up, so the
console's Statistics page shows something on the first ``make run``.

Seeded once (a later run finds the demo keys' events and adds none). The
events are written straight to the table (no Redis, one INSERT per 1000
rows). Purchases and completed checkouts among them are synthetic: the
server records real ones only from orders; these have no order behind them
(sell-through curves still come from real orders only).
"""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta
from typing import Dict, List

from django.db import connection
from saleor.product.models import ProductVariant

from plugins.channel_pricing.models import Channel
from plugins.engagement import rollups, storage
from plugins.engagement.models import EventKey
from plugins.sale_windows.models import FlashSale

from .summary import Tally

WEBSITE_KEY = "Demo website"
SESSIONS = 900
ENTRY_POINTS = ("channel_app", "newsletter", "social", "landing_page", "website")


def ensure_keys(channels: List[Channel], tally: Tally) -> List[EventKey]:
    keys = []
    for name, channel in [(WEBSITE_KEY, None)] + [
        (f"Demo storefront: {channel.name}", channel) for channel in channels
    ]:
        key, created = EventKey.objects.get_or_create(
            name=name, defaults={"channel": channel}
        )
        tally.record("event keys", created)
        keys.append(key)
    return keys


def _already_seeded(keys: List[EventKey]) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM engagement_event WHERE key_id = ANY(%s))",
            [[key.pk for key in keys]],
        )
        return cursor.fetchone()[0]


def _session_events(rng, key, start: datetime, sale, product_id) -> List[Dict]:
    session = f"demo_{uuid.UUID(int=rng.getrandbits(128)).hex[:24]}"
    entry = rng.choice(ENTRY_POINTS if key.channel_id is None else ENTRY_POINTS[:3])
    base = {
        "received_at": start,
        "key_id": key.pk,
        "channel_id": key.channel_id,
        "session_id": session,
        "client_id": session,
        "entry_point": entry,
        "product_id": product_id,
        "sale_id": sale.pk if sale else None,
    }
    moment = start
    rows = []

    def add(kind, **extra):
        nonlocal moment
        moment += timedelta(seconds=rng.randint(3, 90))
        rows.append(
            {
                **base,
                "event_id": uuid.UUID(int=rng.getrandbits(128)),
                "occurred_at": moment,
                "received_at": moment,
                "kind": kind,
                **extra,
            }
        )

    add("view", page="flash_sale" if sale else "product")
    if rng.random() < 0.25:
        add(rng.choice(("favourite", "share")), share_target="wechat")
    carted = rng.random() < 0.3
    if carted:
        add("add_to_cart", quantity=rng.randint(1, 2))
    token = uuid.UUID(int=rng.getrandbits(128))
    if carted and rng.random() < 0.55:
        add("checkout_started", checkout_token=token)
        if rng.random() < 0.7:
            add("checkout_completed", checkout_token=token, quantity=1)
            add("purchase", checkout_token=token, quantity=1)
    spent = int(rng.lognormvariate(10.0, 0.9))
    add(
        "page_leave",
        time_on_page_ms=spent,
        engaged_ms=int(spent * rng.uniform(0.3, 0.9)),
    )
    return rows


def ensure_statistics(
    now: datetime,
    channels: List[Channel],
    sales: List[FlashSale],
    variants: Dict[str, ProductVariant],
    tally: Tally,
) -> int:
    """The demo keys and, once, the demo events (rolled up). Returns the
    events written by this run."""
    keys = ensure_keys(channels, tally)
    if _already_seeded(keys):
        return 0
    rng = random.Random(20261201)
    products = sorted({variant.product_id for variant in variants.values()})
    rows: List[Dict] = []
    for _ in range(SESSIONS):
        start = now - timedelta(minutes=rng.randint(30, 3 * 24 * 60))
        sale = rng.choice(sales) if sales and rng.random() < 0.6 else None
        rows.extend(
            _session_events(rng, rng.choice(keys), start, sale, rng.choice(products))
        )
    inserted = storage.insert_events(rows)
    rollups.roll_dirty_hours()
    tally.created["statistics events"] += inserted
    return inserted

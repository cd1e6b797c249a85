"""``seed_demo``: build (or bring back) the whole demo world in one transaction."""

from __future__ import annotations

from typing import Callable, TextIO, TypeVar

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from saleor_flash import config

from . import (
    catalog,
    channels,
    data,
    people,
    providers,
    sales,
    statistics,
    store,
    support,
)
from .summary import ChannelEntry, DemoSummary, Tally, count_objects

T = TypeVar("T")


def _step(stdout: TextIO, tally: Tally, label: str, action: Callable[[], T]) -> T:
    before = tally.total
    result = action()
    created = tally.total - before
    note = f"{created} created" if created else "nothing new"
    stdout.write(f"seed: {label} ... ok ({note})\n")
    return result


def seed_demo(stdout: TextIO) -> DemoSummary:
    """Create the demo data, or bring it back to the documented state.

    Idempotent: everything is looked up by natural key (slug, email, SKU,
    sale name, idempotency key), so a second run creates no rows.
    """
    if settings.DEFAULT_CURRENCY != "USD":
        stdout.write(
            f"seed: warning: DEFAULT_CURRENCY is {settings.DEFAULT_CURRENCY}; "
            "demo prices are written in that currency\n"
        )
    tally = Tally()
    now = timezone.now()
    with transaction.atomic():
        _step(stdout, tally, "site", lambda: store.ensure_site(tally))
        zone = _step(
            stdout, tally, "shipping", lambda: store.ensure_shipping_zone(tally)
        )
        warehouses = _step(
            stdout, tally, "providers", lambda: catalog.ensure_providers(zone, tally)
        )
        variants = _step(
            stdout,
            tally,
            "products",
            lambda: catalog.ensure_products(warehouses, tally),
        )
        demo_channels = _step(
            stdout,
            tally,
            "channels, members and points",
            lambda: channels.ensure_channels(variants, tally),
        )
        demo_sales = _step(
            stdout,
            tally,
            "flash sales",
            lambda: sales.ensure_flash_sales(now, demo_channels, variants, tally),
        )
        _step(
            stdout,
            tally,
            "storefront statistics",
            lambda: statistics.ensure_statistics(
                now, demo_channels, demo_sales, variants, tally
            ),
        )
        _step(stdout, tally, "merchandiser", lambda: people.ensure_merchandiser(tally))
        shopper = _step(stdout, tally, "shopper", lambda: people.ensure_shopper(tally))
        owners = _step(
            stdout,
            tally,
            "provider portal logins",
            lambda: providers.ensure_provider_logins(tally),
        )
        _step(
            stdout,
            tally,
            "provider application and invitation",
            lambda: (
                providers.ensure_pending_application(tally),
                providers.ensure_invitation(tally),
            ),
        )
        _step(
            stdout,
            tally,
            "order split between two providers",
            lambda: providers.ensure_split_order(owners, tally),
        )
        _step(
            stdout,
            tally,
            "support and newsletter",
            lambda: support.ensure_support(shopper, tally),
        )
        counts = count_objects()

    summary = build_summary(demo_channels, counts, tally)
    for line in summary.lines():
        stdout.write(line + "\n")
    return summary


def _points_api(channel_id: int) -> dict:
    from plugins.points_payment import services as points

    program = points.program_for_channel(channel_id)
    if program is None or not program.enabled:
        return {}
    return {"api_secret": program.api_secret, "points_mode": program.mode}


def build_summary(demo_channels, counts, tally: Tally) -> DemoSummary:
    base_url = f"http://localhost:{config.env_int('FLASH_PORT', 8000)}"
    return DemoSummary(
        api_url=f"{base_url}/graphql/",
        console_url=f"{base_url}/dashboard-ext/",
        portal_url=f"{base_url}/provider/",
        provider_logins=sorted(data.PROVIDER_LOGINS.values()),
        merchandiser_email=data.MERCHANDISER_EMAIL,
        shopper_email=data.SHOPPER_EMAIL,
        password=data.DEMO_PASSWORD,
        channels=[
            ChannelEntry(
                name=channel.name,
                slug=channel.slug,
                entry_url=f"{base_url}/c/{channel.slug}/",
                sso_secret=channel.sso_secret,
                **_points_api(channel.pk),
            )
            for channel in demo_channels
        ],
        counts=counts,
        created=dict(tally.created),
    )

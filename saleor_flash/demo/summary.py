"""What a seed run created, what exists afterwards, and the text printed at the end."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Dict, List

from django.contrib.auth import get_user_model
from saleor.product.models import Product, ProductVariant
from saleor.shipping.models import ShippingMethod, ShippingZone
from saleor.warehouse.models import Stock, Warehouse

from plugins.channel_pricing.models import Channel, ChannelMember, ChannelPoolEntry
from plugins.points_payment.models import PointsAccount, PointsTransfer
from plugins.provider_dropship.models import Provider, SupplyListing
from plugins.sale_windows.models import FlashSale, FlashSaleItem


class Tally:
    """Counts the rows a seed run created, by kind (``"products"``, ...)."""

    def __init__(self):
        self.created: Counter = Counter()

    def record(self, kind: str, created: bool) -> None:
        if created:
            self.created[kind] += 1

    @property
    def total(self) -> int:
        return sum(self.created.values())


def count_objects() -> Dict[str, int]:
    """How many rows of each kind the demo touches exist now (demo or not)."""
    user_model = get_user_model()
    querysets = {
        "shipping zones": ShippingZone.objects.all(),
        "shipping methods": ShippingMethod.objects.all(),
        "providers": Provider.objects.all(),
        "warehouses": Warehouse.objects.all(),
        "products": Product.objects.all(),
        "variants": ProductVariant.objects.all(),
        "stocks": Stock.objects.all(),
        "supply listings": SupplyListing.objects.all(),
        "channels": Channel.objects.all(),
        "pool entries": ChannelPoolEntry.objects.all(),
        "channel members": ChannelMember.objects.all(),
        "points accounts": PointsAccount.objects.all(),
        "points transfers": PointsTransfer.objects.all(),
        "flash sales": FlashSale.objects.all(),
        "flash sale items": FlashSaleItem.objects.all(),
        "staff users": user_model.objects.filter(is_staff=True),
        "users": user_model.objects.all(),
    }
    return {kind: qs.count() for kind, qs in querysets.items()}


@dataclass
class ChannelEntry:
    name: str
    slug: str
    entry_url: str
    sso_secret: str
    # The channel API (/points/v1/): its secret and mode, when points are on.
    api_secret: str = ""
    points_mode: str = ""


@dataclass
class DemoSummary:
    api_url: str
    console_url: str
    merchandiser_email: str
    shopper_email: str
    password: str
    channels: List[ChannelEntry]
    counts: Dict[str, int]
    created: Dict[str, int] = field(default_factory=dict)
    portal_url: str = ""
    provider_logins: List[str] = field(default_factory=list)

    @property
    def created_total(self) -> int:
        return sum(self.created.values())

    def lines(self) -> List[str]:
        lines = [
            "",
            "Saleor Flash demo data is ready.",
            f"  API:          {self.api_url}",
            f"  Console:      {self.console_url}",
            f"  Merchandiser: {self.merchandiser_email} / {self.password}"
            " (staff: manage products, discounts, orders, providers)",
            f"  Shopper:      {self.shopper_email} / {self.password}",
        ]
        if self.portal_url:
            lines.append(f"  Provider portal: {self.portal_url}")
            lines += [
                f"    {email} / {self.password}" for email in self.provider_logins
            ]
        for channel in self.channels:
            lines += [
                f"  Channel {channel.name} ({channel.slug}):",
                f"    entry link: {channel.entry_url}  (the app appends ?token=<JWT>)",
                f"    SSO secret: {channel.sso_secret}",
            ]
            if channel.api_secret:
                lines += [
                    f"    points ({channel.points_mode}) API secret: "
                    f"{channel.api_secret}",
                ]
        lines += _channel_api_example(self.api_url, self.channels)
        lines += _wrapped("Exists now:", self.counts)
        if self.created:
            lines += _wrapped("Created now:", dict(sorted(self.created.items())))
        else:
            lines.append("  Created now:  nothing (everything was already there)")
        return lines


def _channel_api_example(api_url: str, channels: List[ChannelEntry]) -> List[str]:
    """A ready request to the channel API: the signing script sends it (or
    prints it as curl with --curl; a signed curl line is good for 300 s)."""
    channel = next((c for c in channels if c.api_secret), None)
    if channel is None:
        return []
    base_url = api_url.rsplit("/graphql/", 1)[0]
    script = (
        f".venv/bin/python scripts/points_request.py --base-url {base_url} "
        f"--channel {channel.slug} --secret {channel.api_secret}"
    )
    return [
        "  Channel API (signed REST, docs/api.md; add --curl for a curl line):",
        f"    {script} GET /quota",
        f"    {script} POST /members/demo-member/grants '{{\"points\": 100}}'"
        if channel.points_mode == "allowance"
        else f"    {script} GET /transactions",
    ]


def _wrapped(label: str, counts: Dict[str, int], width: int = 88) -> List[str]:
    """``label`` then ``kind: count`` pairs, wrapped between pairs only."""
    pairs = [f"{kind}: {count}" for kind, count in counts.items()]
    lines = []
    line = f"  {label:<14}" + pairs[0]
    for pair in pairs[1:]:
        if len(line) + len(pair) + 2 > width:
            lines.append(line + ",")
            line = " " * 16 + pair
        else:
            line += ", " + pair
    return lines + [line]

"""The console's sections; each later issue fills in its own page."""

from __future__ import annotations

from typing import NamedTuple


class Section(NamedTuple):
    slug: str
    title: str
    summary: str


SECTIONS = [
    Section("flash-sales", "Flash sales", "Sales, calendar and live sell-through."),
    Section("channels", "Channels", "Partner channels, entry links and pools."),
    Section("points", "Points", "Channel quotas, member allowances and the ledger."),
    Section("providers", "Providers", "Supplier review, warehouses and sub-orders."),
    Section("statistics", "Statistics", "Views, add-to-cart and purchases."),
]
SECTIONS_BY_SLUG = {section.slug: section for section in SECTIONS}

"""The console's sections; each later issue fills in its own page.

A section carries the permission its pages need; the sidebar and the
overview link only the sections the signed-in user may use.
"""

from __future__ import annotations

from typing import List, NamedTuple, Optional

from saleor.core.permissions import BasePermissionEnum

from .permissions import (
    MANAGE_CHANNELS,
    MANAGE_FLASH_SALES,
    MANAGE_NEWSLETTER,
    MANAGE_OUTBOX,
    MANAGE_POINTS,
    MANAGE_PROVIDERS,
    MANAGE_SUPPORT,
    VIEW_STATISTICS,
    may,
)


class Section(NamedTuple):
    slug: str
    title: str
    summary: str
    # None: any active staff user (the placeholder pages show nothing yet).
    permission: Optional[BasePermissionEnum] = None


SECTIONS = [
    Section(
        "flash-sales",
        "Flash sales",
        "Sales, calendar and live sell-through.",
        MANAGE_FLASH_SALES,
    ),
    Section(
        "channels",
        "Channels",
        "Partner channels, entry links and pools.",
        MANAGE_CHANNELS,
    ),
    Section(
        "points",
        "Points",
        "Channel quotas, member allowances and the ledger.",
        MANAGE_POINTS,
    ),
    Section(
        "providers",
        "Providers",
        "Applications, listing review, sub-orders and statements.",
        MANAGE_PROVIDERS,
    ),
    Section(
        "statistics",
        "Statistics",
        "Funnels, time on page, entry points, channels and sell-through.",
        VIEW_STATISTICS,
    ),
    Section(
        "support",
        "Support",
        "Buyers' requests, replies, feedback and contact options.",
        MANAGE_SUPPORT,
    ),
    Section(
        "newsletter",
        "Newsletter",
        "Confirmed subscribers and the CSV export.",
        MANAGE_NEWSLETTER,
    ),
    Section(
        "outbox",
        "Outbox",
        "Webhooks and e-mails that failed; re-send.",
        MANAGE_OUTBOX,
    ),
]
SECTIONS_BY_SLUG = {section.slug: section for section in SECTIONS}


def visible_sections(user) -> List[Section]:
    """The sections ``user`` may use, in sidebar order."""
    return [section for section in SECTIONS if may(user, section.permission)]

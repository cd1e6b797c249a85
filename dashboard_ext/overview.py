"""Figures for the console's home page, read through each plugin's services."""

from __future__ import annotations

from typing import Collection

from django.utils import timezone

from plugins.channel_pricing.services import channels_with_pool_size
from plugins.engagement.support.requests import inbox_counts
from plugins.provider_dropship.services import providers_overview
from plugins.sale_windows.domain import SaleStatus
from plugins.sale_windows.services import sales_in_status


def overview_counts(sections: Collection[str]) -> dict:
    """The figures of the sections the user may see (by section slug)."""
    now = timezone.now()
    counts = {}
    if "providers" in sections:
        counts["providers"] = providers_overview().count()
    if "flash-sales" in sections:
        counts["live_sales"] = sales_in_status(SaleStatus.LIVE, now).count()
        counts["upcoming_sales"] = sales_in_status(SaleStatus.SCHEDULED, now).count()
    if "channels" in sections:
        counts["channels"] = channels_with_pool_size().count()
    if "support" in sections:
        waiting_on_us = inbox_counts()
        counts["support_new"] = waiting_on_us["new"]
        counts["support_open"] = waiting_on_us["open"]
    return counts

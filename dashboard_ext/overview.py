"""Figures for the console's home page, read through each plugin's services."""

from __future__ import annotations

from django.utils import timezone

from plugins.channel_pricing.services import channels_with_pool_size
from plugins.provider_dropship.services import providers_overview
from plugins.sale_windows.domain import SaleStatus
from plugins.sale_windows.services import sales_in_status


def overview_counts() -> dict:
    now = timezone.now()
    return {
        "live_sales": sales_in_status(SaleStatus.LIVE, now).count(),
        "upcoming_sales": sales_in_status(SaleStatus.SCHEDULED, now).count(),
        "channels": channels_with_pool_size().count(),
        "providers": providers_overview().count(),
    }

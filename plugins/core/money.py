"""Money as the plugins hand it to Saleor's GraphQL ``Money`` type."""

from __future__ import annotations

from decimal import Decimal
from typing import Optional, Union

from django.conf import settings
from prices import Money


def money(amount: Union[Decimal, int, str], currency: Optional[str] = None) -> Money:
    """``Money`` of ``amount`` in ``currency``, else the store's default currency."""
    return Money(amount, currency or settings.DEFAULT_CURRENCY)

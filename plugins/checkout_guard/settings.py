"""Checkout-guard settings, read from Django settings with defaults."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings


def cart_hold_ttl() -> timedelta:
    """Short hold taken when lines go into a checkout."""
    return timedelta(seconds=getattr(settings, "FLASH_CART_HOLD_SECONDS", 300))


def payment_hold_ttl() -> timedelta:
    """Hold taken at checkoutComplete, covering payment until the order exists."""
    return timedelta(seconds=getattr(settings, "FLASH_PAYMENT_HOLD_SECONDS", 600))


def hold_on_add() -> bool:
    return getattr(settings, "FLASH_HOLD_ON_ADD", True)


def stale_payment_grace() -> timedelta:
    return timedelta(seconds=getattr(settings, "FLASH_STALE_PAYMENT_SECONDS", 300))


def cart_holds_per_address() -> int:
    """Early (cart) holds one client address may take per 10 minutes; 0 = no
    limit. Past it, its checkouts are held only at checkoutComplete."""
    return int(getattr(settings, "FLASH_CART_HOLD_RATE_PER_IP", 30) or 0)

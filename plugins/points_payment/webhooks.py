"""Webhooks to the channel, written to the outbox in the ledger change's
transaction (rolled back with it; the outbox gives each a unique event id)."""

from __future__ import annotations

from typing import Any, Dict

from plugins.core.outbox import enqueue_webhook

from .models import PointsProgram

REDEEMED = "points.redeemed"
REFUNDED = "points.refunded"
EXPIRED = "points.expired"
PERIOD_CLOSED = "points.period_closed"


def emit(program: PointsProgram, event_type: str, payload: Dict[str, Any]) -> bool:
    """Queue ``event_type`` for the channel; no URL (or secret): nothing sent."""
    if not program.webhook_url or not program.webhook_secret:
        return False
    enqueue_webhook(
        program.webhook_url,
        program.webhook_secret,
        event_type,
        {"channel": program.channel.slug, **payload},
    )
    return True

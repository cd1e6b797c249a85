"""Pass-through mode: refresh a member's balance from the channel's balance URL.

The SSO token's ``points`` claim is the balance at sign-in. A channel with a
``balance_url`` can also be asked for the member's balance now: when a
pass-through member starts a points payment (``pointsPaymentCodeRequest``,
``pointsPaymentConfirm``) and when they read ``myPoints``.

The request is ``GET {balance_url}?member=<external id>`` signed like the
channel's own requests to us (``request_signing``: ``X-Flash-Channel``,
``X-Flash-Timestamp``, ``X-Flash-Nonce``, ``X-Flash-Signature: v1=...``
over ``"{timestamp}.{nonce}.GET.{path with query}.{SHA-256 of the empty
body}"``, keyed with the channel's API secret), so the channel verifies it
with the code it already signs with, and the signature binds the member.
The answer must be ``{"member": "<external id>", "points": <int >= 0>}``.

The HTTP call runs outside any transaction (no lock waits on the channel),
through ``plugins.core.transport`` with a short timeout
(``FLASH_POINTS_BALANCE_TIMEOUT_SECONDS``, default 2). An answer is kept as
a new claim issued at the moment the request left, under pass_through's
rule, so nothing held or redeemed against the old claim is spent twice:

    available = answer - held now - redeemed since (request time - settle)

On any failure (down, timeout, HTTP error, bad answer) the claim we have
(the token's) stays and the outcome says why.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Optional
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.utils import timezone

from plugins.core import transport

from . import request_signing
from .domain import ProgramMode
from .pass_through import record_sign_in_balance
from .programs import program_for_channel

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class BalanceRefresh:
    """What a refresh did: ``refreshed`` (the channel's answer is the claim
    now), else ``error`` says why the token's balance was kept; ``attempted``
    is False when the channel has no balance URL (or is not pass-through)."""

    attempted: bool
    refreshed: bool = False
    points: Optional[int] = None
    at: Optional[datetime] = None
    error: str = ""


NOT_ATTEMPTED = BalanceRefresh(attempted=False)


def timeout_seconds() -> float:
    return float(getattr(settings, "FLASH_POINTS_BALANCE_TIMEOUT_SECONDS", 2))


def balance_request(balance_url: str, external_id: str) -> tuple:
    """``(url, path with query)`` of the GET for ``external_id``."""
    separator = "&" if urlsplit(balance_url).query else "?"
    url = f"{balance_url}{separator}{urlencode({'member': external_id})}"
    parts = urlsplit(url)
    return url, f"{parts.path or '/'}?{parts.query}"


def answered_points(answer: Any, external_id: str) -> Optional[int]:
    """The points of a valid answer for ``external_id`` (None: invalid)."""
    if not isinstance(answer, dict) or answer.get("member") != external_id:
        return None
    points = answer.get("points")
    if not isinstance(points, int) or isinstance(points, bool) or points < 0:
        return None
    return points


def refresh_balance(channel_id: int, external_id: str) -> BalanceRefresh:
    """Ask the channel for the member's balance and keep it as their claim.

    Call outside a transaction. Never raises for the channel's failures."""
    program = program_for_channel(channel_id)
    if (
        program is None
        or not program.enabled
        or program.mode != ProgramMode.PASS_THROUGH.value
        or not program.balance_url
    ):
        return NOT_ATTEMPTED
    url, path_with_query = balance_request(program.balance_url, external_id)
    headers = request_signing.signed_headers(
        program.channel.slug, program.api_secret, "GET", path_with_query, b""
    )
    # The claim is as of when the request left: what we redeem while it is
    # on the way counts against it (pass_through's settle window).
    asked_at = timezone.now()
    answer, error = transport.fetch_json(url, headers, timeout_seconds())
    if error is None:
        points = answered_points(answer, external_id)
        if points is None:
            error = 'bad answer (want {"member": <id>, "points": <int >= 0>})'
    if error is not None:
        logger.warning(
            "points balance refresh for %s/%s failed, keeping the token's balance: %s",
            program.channel.slug,
            external_id,
            error,
        )
        return BalanceRefresh(attempted=True, error=error)
    recorded = record_sign_in_balance(
        channel_id,
        external_id,
        points,
        token_id=f"balance-url:{uuid.uuid4().hex}",
        issued_at=asked_at,
    )
    if not recorded:  # a sign-in newer than our request: its claim stays
        return BalanceRefresh(attempted=True, error="a newer sign-in claim is kept")
    return BalanceRefresh(attempted=True, refreshed=True, points=points, at=asked_at)

"""The sign-in claim listener (registered in ``apps.ready``): a pass-through
channel's token carries the member's balance in its ``points`` claim."""

from __future__ import annotations

from datetime import datetime
from datetime import timezone as dt_timezone

from plugins.channel_pricing.sso import SignInClaims

from .pass_through import record_sign_in_balance


def record_points_claim(channel_id: int, claims: SignInClaims) -> None:
    if claims.points is None:
        return
    record_sign_in_balance(
        channel_id,
        claims.external_id,
        claims.points,
        token_id=claims.jti,
        issued_at=datetime.fromtimestamp(claims.issued_at, tz=dt_timezone.utc),
    )

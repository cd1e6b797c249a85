"""The channel API secret's rotation: a new secret at once, the old one still
accepted for a grace period, so a channel can switch without a refused
request (the console's button calls ``rotate_api_secret``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Optional

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .errors import PointsNotEnabled
from .models import PointsProgram
from .models.ledger import new_secret


def grace_period() -> timedelta:
    return timedelta(
        seconds=int(getattr(settings, "FLASH_POINTS_API_SECRET_GRACE_SECONDS", 86400))
    )


def rotate_api_secret(channel_id: int, grace: Optional[timedelta] = None) -> str:
    """Give the channel a new API secret; the current one stays valid for
    ``grace`` (default ``FLASH_POINTS_API_SECRET_GRACE_SECONDS``, 24 h).
    Returns the new secret. A second rotation inside the grace period ends
    the first one's old secret at once (only two are ever valid)."""
    with transaction.atomic():
        program = (
            PointsProgram.objects.select_for_update()
            .filter(channel_id=channel_id)
            .first()
        )
        if program is None:
            raise PointsNotEnabled()
        program.api_secret_previous = program.api_secret
        program.api_secret_previous_until = timezone.now() + (
            grace if grace is not None else grace_period()
        )
        program.api_secret = new_secret()
        program.save(
            update_fields=[
                "api_secret",
                "api_secret_previous",
                "api_secret_previous_until",
            ]
        )
    return program.api_secret


def end_api_secret_grace(channel_id: int) -> None:
    """Stop accepting the previous secret now (the channel has switched)."""
    PointsProgram.objects.filter(channel_id=channel_id).update(
        api_secret_previous="", api_secret_previous_until=None
    )

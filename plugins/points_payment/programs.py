"""Points programs (a channel's points settings) and their channel accounts."""

from __future__ import annotations

from typing import Optional

from django.db import IntegrityError, transaction

from . import errors
from .domain import ACCOUNT_FLAGS, CHANNEL_ACCOUNT_KINDS, AccountKind, ProgramMode
from .models import PointsAccount, PointsProgram, SettlementPeriod

PROGRAM_SETTINGS = (
    "enabled",
    "mode",
    "money_per_point",
    "refund_policy",
    "confirmation",
    "code_sender",
    "member_cap_per_period",
    "hold_timeout_seconds",
    "webhook_url",
    "webhook_secret",
    "balance_url",
)


def program_for_channel(channel_id: int) -> Optional[PointsProgram]:
    return PointsProgram.objects.filter(channel_id=channel_id).first()


def program_by_slug(slug: str) -> Optional[PointsProgram]:
    return (
        PointsProgram.objects.select_related("channel")
        .filter(channel__slug=slug)
        .first()
    )


def require_program(
    channel_id: int, mode: Optional[ProgramMode] = None
) -> PointsProgram:
    """The channel's enabled program (in ``mode``, if given)."""
    program = (
        PointsProgram.objects.select_related("channel")
        .filter(channel_id=channel_id)
        .first()
    )
    if program is None or not program.enabled:
        raise errors.PointsNotEnabled()
    if mode is not None and program.mode != mode.value:
        raise errors.PointsNotEnabled(
            f"This channel's points are in {program.mode} mode.", param="mode"
        )
    return program


def enable_program(channel_id: int, **settings) -> PointsProgram:
    """Create or update the channel's program and its channel accounts."""
    unknown = set(settings) - set(PROGRAM_SETTINGS)
    if unknown:
        raise ValueError(f"unknown program settings: {sorted(unknown)}")
    with transaction.atomic():
        program, _ = PointsProgram.objects.get_or_create(
            channel_id=channel_id, defaults=settings
        )
        if settings:
            for name, value in settings.items():
                setattr(program, name, value)
            program.full_clean(exclude=["channel"])
            program.save()
        for kind in CHANNEL_ACCOUNT_KINDS:
            account(channel_id, kind)
    return program


def account(
    channel_id: int,
    kind: AccountKind,
    period: Optional[SettlementPeriod] = None,
    external_id: str = "",
) -> PointsAccount:
    """The account (created if missing; not locked)."""
    lookup = dict(
        channel_id=channel_id, kind=kind.value, period=period, external_id=external_id
    )
    found = PointsAccount.objects.filter(**lookup).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return PointsAccount.objects.create(
                **lookup, flag=ACCOUNT_FLAGS[kind].value
            )
    except IntegrityError:  # created meanwhile by a concurrent call
        return PointsAccount.objects.get(**lookup)


def find_account(
    channel_id: int, kind: AccountKind, period: SettlementPeriod, external_id: str
) -> Optional[PointsAccount]:
    return PointsAccount.objects.filter(
        channel_id=channel_id, kind=kind.value, period=period, external_id=external_id
    ).first()

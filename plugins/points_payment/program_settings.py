"""Staff set a channel's points program and open its settlement periods
(the console and ``pointsProgramSet`` / ``pointsPeriodOpen`` call these).

Input is checked by ``program_rules`` before anything is read; every
refusal is a ``ProgramRefused`` raised before the transaction commits, so a
refused call changes nothing (a program it would have created included).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Dict, List, Mapping, Optional, Tuple

from django.db import transaction

from plugins.channel_pricing import services as channel_services
from plugins.core.web_addresses import new_signing_secret

from . import errors, ledger, periods
from .domain import AccountKind, PeriodState, TransferCode
from .models import PointsProgram, PointsTransfer, SettlementPeriod
from .program_rules import (
    EDITABLE_SETTINGS,
    ProgramErrorCode,
    ProgramRefused,
    clean_settings,
    period_violations,
    program_violations,
    refuse,
)
from .programs import account, enable_program
from .records import PeriodView


@dataclass(frozen=True)
class SavedProgram:
    program: PointsProgram
    created: bool
    # The webhook signing secret when this call made one (a first webhook
    # URL, or a rotation): shown once, never again.
    new_webhook_secret: Optional[str]


def channel_id_for(slug: str) -> int:
    channel_id = channel_services.channel_ids_by_slug([slug or ""]).get(slug)
    if channel_id is None:
        raise refuse("channel", ProgramErrorCode.CHANNEL_NOT_FOUND, "No such channel.")
    return channel_id


def settings_of(program: PointsProgram) -> Dict[str, Any]:
    """The program's editable settings, by name (for forms and answers)."""
    return {
        setting.name: getattr(program, setting.name) for setting in EDITABLE_SETTINGS
    }


def channels_without_program() -> List[Tuple[str, str]]:
    """``(slug, name)`` of the channels that have no points program yet."""
    with_program = set(PointsProgram.objects.values_list("channel_id", flat=True))
    return [
        (slug, name)
        for channel_id, slug, name in channel_services.channel_list()
        if channel_id not in with_program
    ]


def _period_in_use(channel_id: int) -> bool:
    """Whether the open period has moved points beyond its quota's issue.

    Takes the period's quota account and the channel's hold account (every
    grant, revocation and hold locks one of them), so a transfer under way
    commits first and is seen; a hold or revocation that locks later
    re-reads the mode (``periods.recheck_open``) and is refused. A grant
    holds the program's row (FOR KEY SHARE) from its write to its commit,
    which the caller's FOR UPDATE of the program waits for (docs/points.md)."""
    period = SettlementPeriod.objects.filter(
        channel_id=channel_id, state=PeriodState.OPEN.value
    ).first()
    if period is None:
        return False
    ledger.lock_accounts(
        [
            account(channel_id, AccountKind.QUOTA, period),
            account(channel_id, AccountKind.HOLD),
        ]
    )
    return (
        PointsTransfer.objects.filter(period=period)
        .exclude(code=TransferCode.ISSUE.value)
        .exists()
    )


def set_program(
    channel_slug: str,
    changes: Mapping[str, Any],
    rotate_webhook_secret: bool = False,
) -> SavedProgram:
    """Create the channel's program (with the model's defaults) if it has
    none, and apply ``changes`` (names from ``EDITABLE_SETTINGS``; typed
    values or form text). A first webhook URL, or ``rotate_webhook_secret``,
    makes a new signing secret (returned once). Switching ``mode`` is refused
    (``mode_locked``) while the open period has points granted or held."""
    values = clean_settings(changes)
    with transaction.atomic():
        channel_id = channel_id_for(channel_slug)
        created = not PointsProgram.objects.filter(channel_id=channel_id).exists()
        if created:
            enable_program(channel_id)
        program = PointsProgram.objects.select_for_update().get(channel_id=channel_id)
        before = settings_of(program)
        merged = {**before, **values}
        mode_changed = merged["mode"] != before["mode"]
        violations = program_violations(
            merged,
            mode_changed=mode_changed,
            period_in_use=mode_changed and _period_in_use(channel_id),
            rotate_secret=rotate_webhook_secret,
        )
        if violations:
            raise ProgramRefused(violations)
        new_secret = None
        if merged["webhook_url"] and (
            rotate_webhook_secret or not before["webhook_url"]
        ):
            new_secret = new_signing_secret()
            program.webhook_secret = new_secret
        for name, value in values.items():
            setattr(program, name, value)
        program.save()
        program.refresh_from_db()
    return SavedProgram(program=program, created=created, new_webhook_secret=new_secret)


def open_settlement_period(
    channel_slug: str, starts_at: datetime, ends_at: datetime, quota: Any
) -> PeriodView:
    """Open the channel's next period with ``quota`` (``periods.open_period``).
    Refused without an enabled program, with a bad window or quota, and while
    another period is open (``period_already_open``, also when two open at
    once: the database's one-open-period index decides)."""
    violations = period_violations(starts_at, ends_at, quota)
    if violations:
        raise ProgramRefused(violations)
    quota = int(quota)
    with transaction.atomic():
        channel_id = channel_id_for(channel_slug)
        try:
            return periods.open_period(channel_id, starts_at, ends_at, quota)
        except errors.PeriodAlreadyOpen as refusal:
            raise refuse(
                None, ProgramErrorCode.PERIOD_ALREADY_OPEN, refusal.message
            ) from None
        except errors.PointsNotEnabled:
            raise refuse(
                "channel",
                ProgramErrorCode.POINTS_NOT_ENABLED,
                "Enable the channel's points before opening a period.",
            ) from None

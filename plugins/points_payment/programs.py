"""Points programs (a channel's points settings) and their channel accounts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Dict, List, Optional, Sequence, Tuple, Union

from django.db import IntegrityError, connection, transaction

from . import errors
from .domain import ACCOUNT_FLAGS, CHANNEL_ACCOUNT_KINDS, AccountKind, ProgramMode
from .models import PointsAccount, PointsProgram, SettlementPeriod
from .records import ProgramState

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
    "period_length_days",
    "period_quota",
)


def program_for_channel(channel_id: int) -> Optional[PointsProgram]:
    return PointsProgram.objects.filter(channel_id=channel_id).first()


def program_by_slug(slug: str) -> Optional[PointsProgram]:
    return (
        PointsProgram.objects.select_related("channel")
        .filter(channel__slug=slug)
        .first()
    )


@dataclass(frozen=True)
class ApiCredentials:
    """What authenticating a channel API request needs of a program, read in
    one statement (``credentials_by_slug``)."""

    program_id: int
    channel_id: int
    channel_slug: str
    channel_status: str
    enabled: bool
    mode: str
    api_secret: str
    api_secret_previous: str
    api_secret_previous_until: Optional[datetime]


_CHANNELS = PointsProgram._meta.get_field("channel").related_model._meta.db_table
# One statement, also used inside the channel API's first statement.
CREDENTIALS_BY_SLUG = (
    "SELECT p.id, p.channel_id, c.slug, c.status, p.enabled, p.mode, "
    "p.api_secret, p.api_secret_previous, p.api_secret_previous_until "
    f"FROM {PointsProgram._meta.db_table} p "
    f"JOIN {_CHANNELS} c ON c.id = p.channel_id WHERE c.slug = %(slug)s"
)
CREDENTIAL_COLUMNS = 9


def credentials_by_slug(slug: str) -> Optional[ApiCredentials]:
    """The channel's API credentials and switches (the channel API reads
    them on every request: one lean statement, no model instances)."""
    with connection.cursor() as cursor:
        cursor.execute(CREDENTIALS_BY_SLUG, {"slug": slug})
        row = cursor.fetchone()
    return ApiCredentials(*row) if row is not None else None


def require_program(
    channel_id: int, mode: Optional[ProgramMode] = None
) -> PointsProgram:
    """The channel's enabled program (in ``mode``, if given)."""
    program = (
        PointsProgram.objects.select_related("channel")
        .filter(channel_id=channel_id)
        .first()
    )
    check_program(program, mode)
    return program


def check_program(
    program: Optional[Union[PointsProgram, ProgramState]],
    mode: Optional[ProgramMode] = None,
) -> None:
    """``PointsNotEnabled`` unless the program is enabled (in ``mode``)."""
    if program is None or not program.enabled:
        raise errors.PointsNotEnabled()
    if mode is not None and program.mode != mode.value:
        raise errors.PointsNotEnabled(
            f"This channel's points are in {program.mode} mode.", param="mode"
        )


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


AccountKey = Tuple[AccountKind, Optional[SettlementPeriod], str]


def _key(kind: str, period_id: Optional[int], external_id: str):
    return (kind, period_id, external_id)


def _lock_keys(
    channel_id: int, keys: Sequence[AccountKey]
) -> Dict[tuple, PointsAccount]:
    clauses, params = [], [channel_id]
    for kind, period, external_id in keys:
        if period is None:
            clauses.append("(kind = %s AND period_id IS NULL AND external_id = %s)")
            params += [kind.value, external_id]
        else:
            clauses.append("(kind = %s AND period_id = %s AND external_id = %s)")
            params += [kind.value, period.pk, external_id]
    rows = PointsAccount.objects.raw(
        f"SELECT * FROM {PointsAccount._meta.db_table} WHERE channel_id = %s "
        f"AND ({' OR '.join(clauses)}) ORDER BY id FOR NO KEY UPDATE",
        params,
    )
    return {_key(row.kind, row.period_id, row.external_id): row for row in rows}


def lock_by_keys(
    channel_id: int, keys: Sequence[AccountKey], create: bool = True
) -> List[Optional[PointsAccount]]:
    """Find and lock these accounts in one statement (pk order, FOR NO KEY
    UPDATE); a missing one is created (then locked) or, with ``create=False``,
    None. Only a new member's allowance is ever missing: its new row has the
    highest pk, so the lock order holds."""
    found = _lock_keys(channel_id, keys)

    def wanted(key: AccountKey):
        kind, period, external_id = key
        return _key(kind.value, period.pk if period else None, external_id)

    missing = [key for key in keys if wanted(key) not in found]
    if missing and create:
        for kind, period, external_id in missing:
            account(channel_id, kind, period, external_id)
        found = _lock_keys(channel_id, keys)
    return [found.get(wanted(key)) for key in keys]

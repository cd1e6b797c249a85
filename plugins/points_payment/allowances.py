"""Allowance mode: grants from the period's quota to members, revocations
back into it, and the expiry of grants whose validity ended.

Spending uses the points that lapse first (FIFO by validity end), so what
lapsed unspent is the sum of the ended credits minus every debit so far
(``domain.lapsed_points``); it moves to the channel's expired account.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Dict, List, Optional, Tuple

from django.db import connection, transaction
from django.utils import timezone

from . import errors, ledger, webhooks
from .domain import (
    ACCOUNT_FLAGS,
    AccountKind,
    PeriodState,
    ProgramMode,
    TransferCode,
    TransferKind,
    TransferState,
    expiry_for_grant,
    lapsed_points,
    valid_points,
)
from .models import PointsAccount, PointsProgram, PointsTransfer, SettlementPeriod
from .periods import recheck_open, roll_over, spendable_period
from .programs import account, check_program, lock_by_keys, require_program
from .records import ProgramState, TransferView

POSTED_KINDS = (TransferKind.SINGLE.value, TransferKind.POST_PENDING.value)


def check_member(external_id) -> str:
    if not isinstance(external_id, str) or not 0 < len(external_id) <= 128:
        raise errors.MemberNotFound("A member id is 1 to 128 characters.")
    return external_id


def check_reference(reference) -> str:
    if not isinstance(reference, str) or len(reference) > 255:
        raise errors.InvalidReference()
    return reference


def check_moment(value, param: str = "expires_at") -> None:
    """An aware datetime (or None)."""
    if value is not None and (
        not isinstance(value, datetime) or value.utcoffset() is None
    ):
        raise errors.InvalidExpiresAt(
            "Give a date and time with its time zone.", param=param
        )


def check_points(points) -> int:
    if not valid_points(points):
        raise errors.InvalidPoints()
    return points


def lots(allowance: PointsAccount) -> List[Tuple[int, datetime]]:
    """The allowance's credits with their validity ends (grants, refunds)."""
    return [
        (points, expires_at)
        for points, expires_at in PointsTransfer.objects.filter(
            credit_account=allowance, kind__in=POSTED_KINDS, expires_at__isnull=False
        ).values_list("points", "expires_at")
    ]


def consumed(allowance: PointsAccount) -> int:
    return allowance.debits_posted + allowance.debits_pending


def validity_end(allowance: PointsAccount) -> Optional[datetime]:
    ends = [expires_at for _, expires_at in lots(allowance)]
    return max(ends) if ends else None


def expire_lapsed(
    program: PointsProgram,
    allowance: PointsAccount,
    expired: PointsAccount,
    now: datetime,
) -> int:
    """Move lapsed, unspent points to expired (both accounts locked)."""
    points = lapsed_points(lots(allowance), consumed(allowance), now)
    if points <= 0:
        return 0
    period = SettlementPeriod.objects.get(pk=allowance.period_id)
    ledger.apply(
        program.channel_id,
        ledger.system_transfer_id("expire"),
        [
            ledger.Leg(
                TransferCode.EXPIRE,
                TransferKind.SINGLE,
                allowance,
                expired,
                points,
                period,
                member=allowance.external_id,
                reference="validity ended",
            )
        ],
        now,
    )
    webhooks.emit(
        program,
        webhooks.EXPIRED,
        {
            "member": allowance.external_id,
            "points": points,
            "period_id": period.pk,
            "expired_at": now.isoformat(),
        },
    )
    return points


def release_timed_out(
    channel_id: int,
    debit_account: PointsAccount,
    hold_account: PointsAccount,
    now: datetime,
    member: Optional[str] = None,
) -> int:
    """Void the timed-out holds on ``debit_account`` (both accounts locked)."""
    timed_out = PointsTransfer.objects.select_related("period").filter(
        channel_id=channel_id,
        debit_account=debit_account,
        kind=TransferKind.PENDING.value,
        state=TransferState.PENDING.value,
        timeout_at__lte=now,
    )
    if member is not None:
        timed_out = timed_out.filter(member=member)
    released = 0
    for pending in timed_out.order_by("pk"):
        ledger.apply(
            channel_id,
            f"flash:timeout:{pending.pk}",
            [
                ledger.Leg(
                    TransferCode.VOID,
                    TransferKind.VOID_PENDING,
                    debit_account,
                    hold_account,
                    pending.points,
                    pending.period,
                    member=pending.member,
                    reference="hold timed out",
                    pending=pending,
                )
            ],
            now,
        )
        released += 1
    return released


def _grant_accounts(
    channel_id: int, external_id: str
) -> Tuple[SettlementPeriod, Optional[int], Optional[int]]:
    """The open period with the ids of its quota account and of the
    member's allowance (None if the member has none yet), in one read; no
    lock (``ledger.post_single`` takes them). ``PeriodClosed`` if no period
    is open."""
    accounts = PointsAccount._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.id, p.starts_at, p.ends_at, p.quota, p.state, "
            f"(SELECT a.id FROM {accounts} a WHERE a.channel_id = p.channel_id "
            "AND a.kind = %s AND a.period_id = p.id AND a.external_id = ''), "
            f"(SELECT a.id FROM {accounts} a WHERE a.channel_id = p.channel_id "
            "AND a.kind = %s AND a.period_id = p.id AND a.external_id = %s) "
            f"FROM {SettlementPeriod._meta.db_table} p "
            "WHERE p.channel_id = %s AND p.state = %s",
            [
                AccountKind.QUOTA.value,
                AccountKind.ALLOWANCE.value,
                external_id,
                int(channel_id),
                PeriodState.OPEN.value,
            ],
        )
        row = cursor.fetchone()
    if row is None:
        raise errors.PeriodClosed()
    period_id, starts_at, ends_at, quota, state, quota_id, allowance_id = row
    period = SettlementPeriod(
        pk=period_id,
        channel_id=channel_id,
        starts_at=starts_at,
        ends_at=ends_at,
        quota=quota,
        state=state,
    )
    return period, quota_id, allowance_id


def _new_allowance(channel_id: int, period: SettlementPeriod, external_id: str) -> int:
    """A new member's allowance account (one statement; a concurrent first
    grant to the same member may have made it: then it is looked up)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {PointsAccount._meta.db_table} (channel_id, kind, "
            "period_id, external_id, flag, credits_posted, credits_pending, "
            "debits_posted, debits_pending, created_at) "
            "VALUES (%s, %s, %s, %s, %s, 0, 0, 0, 0, now()) "
            "ON CONFLICT (channel_id, kind, period_id, external_id) DO NOTHING "
            "RETURNING id",
            [
                int(channel_id),
                AccountKind.ALLOWANCE.value,
                period.pk,
                external_id,
                ACCOUNT_FLAGS[AccountKind.ALLOWANCE].value,
            ],
        )
        row = cursor.fetchone()
    if row is not None:
        return row[0]
    return account(channel_id, AccountKind.ALLOWANCE, period, external_id).pk


def _refused_grant(quota_id: int, points: int):
    """Why ``post_single`` refused a grant: the period closed meanwhile (a
    close that committed first wins), else the quota is used up."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.credits_posted - a.debits_posted - a.debits_pending, p.state "
            f"FROM {PointsAccount._meta.db_table} a "
            f"JOIN {SettlementPeriod._meta.db_table} p ON p.id = a.period_id "
            "WHERE a.id = %s",
            [quota_id],
        )
        available, state = cursor.fetchone()
    if state != PeriodState.OPEN.value:
        return errors.PeriodClosed()
    return errors.QuotaExceeded(
        f"{points} points asked, {available} left in the quota."
    )


@dataclass(frozen=True)
class _KnownPeriod:
    """A channel's open period as a grant last found it (per process)."""

    period_id: int
    starts_at: datetime
    ends_at: datetime


# channel id -> its open period as last seen by a grant of this process.
# Only a hint: the grant's statement finds the accounts only if the period
# is still open with the same bounds (``_known_period_accounts``).
_known_periods: Dict[int, _KnownPeriod] = {}


# The grant's guard on the program, in the statement that writes it: the
# program is enabled in allowance mode, its row held FOR KEY SHARE to the
# commit. A mode switch (``program_settings.set_program``, FOR UPDATE)
# waits for the grants under way and then sees them (mode_locked); a grant
# that comes while a switch is under way waits for it, re-reads the row and
# finds no accounts (then ``require_program`` refuses it).
_ALLOWANCE_PROGRAM = (
    f"FROM {PointsProgram._meta.db_table} pr WHERE pr.channel_id = %(grant_channel)s "
    "AND pr.enabled AND pr.mode = %(allowance_mode)s"
)


def _program_params(channel_id: int) -> dict:
    return {
        "grant_channel": int(channel_id),
        "allowance_mode": ProgramMode.ALLOWANCE.value,
    }


def _known_period_accounts(channel_id: int, known: _KnownPeriod, external_id: str):
    """The lookup of the quota and the member's allowance of ``known``,
    empty unless that period is still the channel's open one, unchanged,
    and the program takes grants (``_ALLOWANCE_PROGRAM``)."""
    accounts = PointsAccount._meta.db_table
    return ledger.AccountsLookup(
        f"SELECT (SELECT a.id FROM {accounts} a WHERE a.channel_id = p.channel_id "
        "AND a.kind = %(quota_kind)s AND a.period_id = p.id AND a.external_id = '') "
        f"AS debit, (SELECT a.id FROM {accounts} a WHERE a.channel_id = "
        "p.channel_id AND a.kind = %(allowance_kind)s AND a.period_id = p.id AND "
        "a.external_id = %(external_id)s) AS credit "
        f"FROM {SettlementPeriod._meta.db_table} p, (SELECT 1 "
        f"{_ALLOWANCE_PROGRAM} FOR KEY SHARE) AS program "
        "WHERE p.id = %(known_period)s "
        "AND p.channel_id = %(known_channel)s AND p.state = %(open)s "
        "AND p.starts_at = %(known_starts)s AND p.ends_at = %(known_ends)s",
        {
            **_program_params(channel_id),
            "quota_kind": AccountKind.QUOTA.value,
            "allowance_kind": AccountKind.ALLOWANCE.value,
            "external_id": external_id,
            "known_period": known.period_id,
            "known_channel": int(channel_id),
            "open": PeriodState.OPEN.value,
            "known_starts": known.starts_at,
            "known_ends": known.ends_at,
        },
    )


def _read_accounts(channel_id: int, quota_id: int, allowance_id: int):
    """The lookup of accounts read before, empty unless the program takes
    grants (``_ALLOWANCE_PROGRAM``)."""
    return ledger.AccountsLookup(
        "SELECT %(read_quota)s::integer AS debit, "
        f"%(read_allowance)s::integer AS credit {_ALLOWANCE_PROGRAM} "
        "FOR KEY SHARE",
        {
            **_program_params(channel_id),
            "read_quota": quota_id,
            "read_allowance": allowance_id,
        },
    )


@dataclass(frozen=True)
class _Grant:
    channel_id: int
    member: str
    points: int
    transfer_id: str
    expires_at: Optional[datetime]
    reference: str

    @property
    def params(self) -> dict:
        return {
            "op": "grant",
            "member": self.member,
            "points": self.points,
            "expires_at": self.expires_at,
            "reference": self.reference,
        }


def grant(
    channel_id: int,
    external_id: str,
    points: int,
    *,
    transfer_id: str,
    expires_at: Optional[datetime] = None,
    reference: str = "",
    program: Optional[ProgramState] = None,
) -> TransferView:
    """Grant points from the period's quota to a member (allowance mode).

    Creates the member's allowance account if new. ``expires_at`` defaults to
    the period's end and may not be later. ``program``: the channel's
    program as the caller already read it (the channel API's
    authentication), else it is read here.

    A grant is a hot path (every grant of a channel debits one quota
    account). To a member with an account, in the period this process last
    saw open: one statement (``ledger.post_single``) that finds the accounts
    (only if that period is still open, unchanged), inserts the leg and
    locks the quota row only for the rest of the transaction. Otherwise
    (a new member, a new or ended period, any refusal): a read of the
    period and account ids first.

    Either way the statement that writes the grant also checks that the
    program takes grants and holds its row to the commit
    (``_ALLOWANCE_PROGRAM``): a mode switch and a grant never interleave.

    No savepoint of its own: inside a caller's transaction, a refusal
    leaves that transaction to be rolled back (the channel API does).
    """
    check_member(external_id)
    check_points(points)
    check_reference(reference)
    check_moment(expires_at)
    ledger.check_transfer_id(transfer_id)
    asked = _Grant(
        int(channel_id), external_id, points, transfer_id, expires_at, reference
    )
    with transaction.atomic(savepoint=False):
        if program is not None and program.channel_id == channel_id:
            check_program(program, ProgramMode.ALLOWANCE)
        else:
            require_program(channel_id, ProgramMode.ALLOWANCE)
        known = _known_periods.get(asked.channel_id)
        if known is not None:
            done = _grant_in_known_period(asked, known, timezone.now())
            if done is not None:
                return done
        return _grant_after_reading_accounts(asked)


def _grant_in_known_period(
    asked: _Grant, known: _KnownPeriod, now: datetime
) -> Optional[TransferView]:
    """The grant in one statement, or None if the known period can't take
    it as known (nothing written: read the accounts)."""
    if not known.starts_at <= now < known.ends_at:
        return None
    validity = expiry_for_grant(asked.expires_at, now, known.ends_at)
    if validity is None:
        return None
    done = ledger.post_single(
        asked.channel_id,
        asked.transfer_id,
        TransferCode.GRANT,
        AccountKind.QUOTA,
        AccountKind.ALLOWANCE,
        _known_period_accounts(asked.channel_id, known, asked.member),
        asked.points,
        known.period_id,
        now,
        member=asked.member,
        reference=asked.reference,
        expires_at=validity,
        params=asked.params,
    )
    if done.outcome == ledger.NO_ACCOUNTS:
        return None
    return _granted(asked, done, known.period_id, now, validity)


def _granted(
    asked: _Grant,
    done: ledger.SingleOutcome,
    period_id: int,
    now: datetime,
    validity: datetime,
) -> TransferView:
    if done.outcome == ledger.ID_TAKEN:
        first = ledger.replay(asked.channel_id, asked.transfer_id, asked.params)
        if first is None:  # pragma: no cover - transfers are never deleted
            raise errors.TransferIdReused()
        return first
    if done.outcome == ledger.REFUSED:
        raise _refused_grant(done.debit_id, asked.points)
    return TransferView(
        id=asked.transfer_id,
        code=TransferCode.GRANT.value,
        points=asked.points,
        member=asked.member,
        reference=asked.reference,
        created_at=now,
        state=TransferState.POSTED.value,
        expires_at=validity,
        period_id=period_id,
    )


def _grant_after_reading_accounts(asked: _Grant) -> TransferView:
    """The grant with the open period and the account ids read first (and
    remembered for the next grants of this process)."""
    channel_id, external_id = asked.channel_id, asked.member
    _known_periods.pop(channel_id, None)
    now = timezone.now()
    try:
        period, quota_id, allowance_id = _grant_accounts(channel_id, external_id)
        if period.ends_at <= now:
            # Ended: the next period opens if the program rolls over (or
            # another call just opened it); read again.
            roll_over(channel_id)
            now = timezone.now()
            period, quota_id, allowance_id = _grant_accounts(channel_id, external_id)
        if not period.starts_at <= now < period.ends_at:
            raise errors.PeriodClosed(
                "The settlement period is not valid now (not started or ended)."
            )
        validity = expiry_for_grant(asked.expires_at, now, period.ends_at)
        if validity is None:
            raise errors.InvalidExpiresAt()
        if quota_id is None:
            raise errors.QuotaExceeded()
    except errors.PointsError:
        # A retry of a grant made before the period ended is its replay.
        first = ledger.replay(channel_id, asked.transfer_id, asked.params)
        if first is not None:
            return first
        raise
    if allowance_id is None:
        allowance_id = _new_allowance(channel_id, period, external_id)
    done = ledger.post_single(
        channel_id,
        asked.transfer_id,
        TransferCode.GRANT,
        AccountKind.QUOTA,
        AccountKind.ALLOWANCE,
        _read_accounts(channel_id, quota_id, allowance_id),
        asked.points,
        period.pk,
        now,
        member=external_id,
        reference=asked.reference,
        expires_at=validity,
        params=asked.params,
    )
    if done.outcome == ledger.NO_ACCOUNTS:
        # The program changed under way (switched mode, turned off).
        require_program(channel_id, ProgramMode.ALLOWANCE)
        raise errors.PointsNotEnabled()  # pragma: no cover - the line above
    _known_periods[channel_id] = _KnownPeriod(
        period.pk, period.starts_at, period.ends_at
    )
    return _granted(asked, done, period.pk, now, validity)


def revoke(
    channel_id: int,
    external_id: str,
    points: int,
    *,
    transfer_id: str,
    reference: str = "",
) -> TransferView:
    """Take a member's unspent points back into the period's quota."""
    check_member(external_id)
    check_points(points)
    check_reference(reference)
    ledger.check_transfer_id(transfer_id)
    params = {
        "op": "revoke",
        "member": external_id,
        "points": points,
        "reference": reference,
    }
    with transaction.atomic():
        program = require_program(channel_id, ProgramMode.ALLOWANCE)
        ledger.lock_transfer_id(channel_id, transfer_id)
        first = ledger.replay(channel_id, transfer_id, params)
        if first is not None:
            return first
        now = timezone.now()
        period = spendable_period(channel_id, now)
        allowance, quota, hold_account, expired = lock_by_keys(
            channel_id,
            [
                (AccountKind.ALLOWANCE, period, external_id),
                (AccountKind.QUOTA, period, ""),
                (AccountKind.HOLD, None, ""),
                (AccountKind.EXPIRED, None, ""),
            ],
            create=False,
        )
        if allowance is None:
            raise errors.MemberNotFound()
        recheck_open(period, ProgramMode.ALLOWANCE.value)
        release_timed_out(channel_id, allowance, hold_account, now)
        expire_lapsed(program, allowance, expired, now)
        if allowance.available < points:
            raise errors.InsufficientPoints(
                f"{points} points asked, {allowance.available} unspent."
            )
        (row,) = ledger.apply(
            channel_id,
            transfer_id,
            [
                ledger.Leg(
                    TransferCode.REVOKE,
                    TransferKind.SINGLE,
                    allowance,
                    quota,
                    points,
                    period,
                    member=external_id,
                    reference=reference,
                )
            ],
            now,
            params,
        )
        return ledger.view(row)

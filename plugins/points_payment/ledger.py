"""The ledger engine: locks, idempotency and balanced legs (after TigerBeetle).

Every use case runs the same steps inside one transaction:

1. ``lock_transfer_id``: an advisory lock on (channel, transfer id), so N
   calls with one id run one after the other; then ``replay`` returns the
   first call's transfer (same parameters) or raises ``TransferIdReused``.
2. ``lock_accounts``: every account the call may touch, ``FOR UPDATE`` in
   one statement ordered by pk (one lock order everywhere: no deadlocks).
3. Checks on the locked, fresh sums; then ``apply`` writes the legs and the
   new sums together. Linked legs are one ``apply``: all or none. The CHECK
   constraints of ``PointsAccount`` refuse an overdraft even if a check here
   were wrong.

The hot path of a plain posted transfer (a grant) is ``post_single``: one
statement inserts the leg under its unique id (a taken id is replayed),
then debits and credits with the flags as conditions, so the accounts are
locked only from there to the commit.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Dict, Iterable, List, Optional, Sequence

from django.db import connection

from . import errors
from .domain import (
    ACCOUNT_FLAGS,
    AccountFlag,
    AccountKind,
    Balance,
    TransferCode,
    TransferKind,
    TransferState,
    within_flags,
)
from .models import PointsAccount, PointsTransfer, SettlementPeriod
from .records import TransferView

MAX_TRANSFER_ID_LENGTH = 255
SYSTEM_PREFIX = "flash:"


@dataclass
class Leg:
    code: TransferCode
    kind: TransferKind
    debit: PointsAccount
    credit: PointsAccount
    points: int
    period: SettlementPeriod
    member: str = ""
    reference: str = ""
    pending: Optional[PointsTransfer] = None
    expires_at: Optional[datetime] = None
    timeout_at: Optional[datetime] = None


def check_transfer_id(transfer_id: Any) -> str:
    if (
        not isinstance(transfer_id, str)
        or not transfer_id
        or len(transfer_id) > MAX_TRANSFER_ID_LENGTH
    ):
        raise errors.InvalidTransferId()
    if transfer_id.startswith(SYSTEM_PREFIX):
        raise errors.InvalidTransferId(
            f"Transfer ids starting with {SYSTEM_PREFIX!r} are the ledger's own."
        )
    return transfer_id


def system_transfer_id(prefix: str) -> str:
    """Ids of transfers the ledger makes itself (expiry, timeouts, close)."""
    return f"{SYSTEM_PREFIX}{prefix}:{uuid.uuid4().hex}"


def lock_transfer_id(channel_id: int, transfer_id: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, hashtext(%s))",
            [int(channel_id), transfer_id],
        )


def normalized(params: Dict[str, Any]) -> Dict[str, Any]:
    """Parameters as stored in JSON (datetimes as ISO strings)."""
    return {
        key: value.isoformat() if isinstance(value, datetime) else value
        for key, value in params.items()
    }


def replay(
    channel_id: int, transfer_id: str, params: Dict[str, Any]
) -> Optional[TransferView]:
    """The first call's transfer for a retry; ``TransferIdReused`` for a reuse."""
    first = (
        PointsTransfer.objects.select_related("pending")
        .filter(channel_id=channel_id, transfer_id=transfer_id, leg=0)
        .first()
    )
    if first is None:
        return None
    if first.params != normalized(params):
        raise errors.TransferIdReused()
    return view(first)


def lock_accounts(accounts: Iterable[PointsAccount]) -> Dict[int, PointsAccount]:
    """Fresh rows of these accounts, locked in pk order, by pk."""
    ids = sorted({account.pk for account in accounts if account is not None})
    # NO KEY UPDATE: we never change keys, and it lets other transactions'
    # foreign-key checks (KEY SHARE) on these rows through.
    locked = PointsAccount.objects.raw(
        f"SELECT * FROM {PointsAccount._meta.db_table} WHERE id = ANY(%s) "
        "ORDER BY id FOR NO KEY UPDATE",
        [ids],
    )
    return {account.pk: account for account in locked}


def balance_of(account: PointsAccount) -> Balance:
    return Balance(
        credits_posted=account.credits_posted,
        debits_posted=account.debits_posted,
        debits_pending=account.debits_pending,
        credits_pending=account.credits_pending,
    )


def _refused(account: PointsAccount) -> errors.PointsError:
    if account.kind == AccountKind.QUOTA.value:
        return errors.QuotaExceeded()
    return errors.InsufficientPoints()


def apply(
    channel_id: int,
    transfer_id: str,
    legs: Sequence[Leg],
    now: datetime,
    params: Optional[Dict[str, Any]] = None,
) -> List[PointsTransfer]:
    """Write linked legs and the accounts' new sums: all or nothing.

    The accounts must be locked (``lock_accounts``) and be the locked rows.
    """
    touched: Dict[int, PointsAccount] = {}
    rows = []
    for index, leg in enumerate(legs):
        if leg.points <= 0:
            raise errors.InvalidPoints()
        debit, credit = leg.debit, leg.credit
        touched[debit.pk], touched[credit.pk] = debit, credit
        state = TransferState.POSTED
        if leg.kind == TransferKind.PENDING:
            debit.debits_pending += leg.points
            credit.credits_pending += leg.points
            state = TransferState.PENDING
        elif leg.kind in (TransferKind.POST_PENDING, TransferKind.VOID_PENDING):
            pending = leg.pending
            if pending is None or pending.state != TransferState.PENDING.value:
                raise errors.HoldNotPending()
            if (pending.debit_account_id, pending.credit_account_id) != (
                debit.pk,
                credit.pk,
            ):
                raise ValueError(
                    "a post/void leg moves its pending transfer's accounts"
                )
            debit.debits_pending -= pending.points
            credit.credits_pending -= pending.points
            if leg.kind == TransferKind.POST_PENDING:
                if leg.points > pending.points:
                    raise errors.InvalidPoints("More than the hold.")
                debit.debits_posted += leg.points
                credit.credits_posted += leg.points
                pending.state = TransferState.POSTED.value
            else:
                pending.state = TransferState.VOIDED.value
                state = TransferState.VOIDED
            pending.save(update_fields=["state"])
        else:
            debit.debits_posted += leg.points
            credit.credits_posted += leg.points
        rows.append(
            PointsTransfer(
                channel_id=channel_id,
                transfer_id=transfer_id,
                leg=index,
                code=leg.code.value,
                kind=leg.kind.value,
                state=state.value,
                debit_account=debit,
                credit_account=credit,
                points=leg.points,
                period=leg.period,
                member=leg.member,
                reference=leg.reference,
                pending=leg.pending,
                expires_at=leg.expires_at,
                timeout_at=leg.timeout_at,
                params=normalized(params or {}) if index == 0 else {},
                created_at=now,
            )
        )
    for account in touched.values():
        if not within_flags(
            ACCOUNT_FLAGS[AccountKind(account.kind)], balance_of(account)
        ):
            raise _refused(account)
    for account in sorted(touched.values(), key=lambda a: a.pk):
        PointsAccount.objects.filter(pk=account.pk).update(
            credits_posted=account.credits_posted,
            credits_pending=account.credits_pending,
            debits_posted=account.debits_posted,
            debits_pending=account.debits_pending,
        )
    return PointsTransfer.objects.bulk_create(rows)


# Outcomes of ``post_single``.
POSTED = "posted"
ID_TAKEN = "id_taken"
REFUSED = "refused"
NO_ACCOUNTS = "no_accounts"


def _within(flag: AccountFlag, side: str) -> str:
    """The SQL condition under which ``side`` (debit or credit) may add
    %(points)s without breaking the account's flag (the CHECK constraints
    would refuse it anyway; this turns the refusal into an answer)."""
    if side == "debit" and flag == AccountFlag.DEBITS_MUST_NOT_EXCEED_CREDITS:
        return " AND credits_posted - debits_posted - debits_pending >= %(points)s"
    if side == "credit" and flag == AccountFlag.CREDITS_MUST_NOT_EXCEED_DEBITS:
        return " AND debits_posted - credits_posted - credits_pending >= %(points)s"
    return ""


@dataclass(frozen=True)
class AccountsLookup:
    """The two accounts of a single-leg transfer as SQL: a query giving one
    row ``(debit, credit)``, either NULL when not found, with its
    parameters (named; none may be called like ``post_single``'s own)."""

    sql: str
    params: Dict[str, Any]


@dataclass(frozen=True)
class SingleOutcome:
    """What ``post_single`` did: ``POSTED``; ``ID_TAKEN`` (nothing written:
    replay it); ``REFUSED`` (a flag refused it: the caller raises, so the
    transaction undoes the inserted leg); or ``NO_ACCOUNTS`` (the lookup
    found no pair: nothing written). ``debit_id``: as looked up."""

    outcome: str
    debit_id: Optional[int]


def post_single(
    channel_id: int,
    transfer_id: str,
    code: TransferCode,
    debit: AccountKind,
    credit: AccountKind,
    accounts: AccountsLookup,
    points: int,
    period_id: int,
    now: datetime,
    *,
    member: str = "",
    reference: str = "",
    expires_at: Optional[datetime] = None,
    params: Optional[Dict[str, Any]] = None,
) -> SingleOutcome:
    """One posted single-leg transfer in one statement: look the accounts
    up, insert the leg (unless its id is taken), then debit, then credit,
    each only if the one before succeeded and the account's flag allows it.

    The accounts need no lock beforehand: each UPDATE locks its row as the
    statement's last steps, debit first. So a hot account (a channel's
    quota) is locked from here to the commit only, not across the request.
    Keep the debit's pk lower than the credit's (one lock order everywhere,
    ``lock_accounts``), as for quota -> allowance.
    """
    transfers = PointsTransfer._meta.db_table
    table = PointsAccount._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH pair AS ({accounts.sql}), "
            f"leg AS (INSERT INTO {transfers} (channel_id, transfer_id, leg, "
            "code, kind, state, debit_account_id, credit_account_id, points, "
            "period_id, member, reference, pending_id, expires_at, timeout_at, "
            "params, created_at) SELECT %(channel)s, %(transfer_id)s, 0, %(code)s, "
            "%(kind)s, %(state)s, pair.debit, pair.credit, %(points)s, %(period)s, "
            "%(member)s, %(reference)s, NULL, %(expires_at)s, NULL, "
            "%(params)s::jsonb, %(now)s FROM pair WHERE pair.debit IS NOT NULL "
            "AND pair.credit IS NOT NULL "
            "ON CONFLICT (channel_id, transfer_id, leg) DO NOTHING "
            "RETURNING debit_account_id, credit_account_id), "
            f"debited AS (UPDATE {table} SET debits_posted = debits_posted "
            "+ %(points)s WHERE id = (SELECT debit_account_id FROM leg)"
            f"{_within(ACCOUNT_FLAGS[debit], 'debit')} RETURNING id), "
            f"credited AS (UPDATE {table} SET credits_posted = credits_posted "
            "+ %(points)s WHERE id = (SELECT credit_account_id FROM leg) "
            "AND EXISTS (SELECT 1 FROM debited)"
            f"{_within(ACCOUNT_FLAGS[credit], 'credit')} RETURNING id) "
            "SELECT pair.debit, pair.credit, EXISTS (SELECT 1 FROM leg), "
            "EXISTS (SELECT 1 FROM credited) FROM pair",
            {
                **accounts.params,
                "channel": int(channel_id),
                "transfer_id": transfer_id,
                "code": code.value,
                "kind": TransferKind.SINGLE.value,
                "state": TransferState.POSTED.value,
                "points": points,
                "period": period_id,
                "member": member,
                "reference": reference,
                "expires_at": expires_at,
                "params": json.dumps(normalized(params or {})),
                "now": now,
            },
        )
        row = cursor.fetchone()
    debit_id, credit_id, inserted, credited = row or (None, None, False, False)
    if debit_id is None or credit_id is None:
        return SingleOutcome(NO_ACCOUNTS, debit_id)
    if not inserted:
        return SingleOutcome(ID_TAKEN, debit_id)
    return SingleOutcome(POSTED if credited else REFUSED, debit_id)


def view(transfer: PointsTransfer) -> TransferView:
    """The API's picture of a transfer (its leg 0, or a system leg)."""
    hold_id = None
    if transfer.kind in (
        TransferKind.POST_PENDING.value,
        TransferKind.VOID_PENDING.value,
    ):
        hold_id = transfer.pending.transfer_id if transfer.pending_id else None
    state = transfer.state
    expires_at = (
        transfer.timeout_at
        if transfer.kind == TransferKind.PENDING.value
        else transfer.expires_at
    )
    transfer_id = (
        transfer.transfer_id
        if transfer.leg == 0
        else f"{transfer.transfer_id}#{transfer.leg}"
    )
    return TransferView(
        id=transfer_id,
        code=transfer.code,
        points=transfer.points,
        member=transfer.member or None,
        reference=transfer.reference,
        created_at=transfer.created_at,
        state=state,
        hold_id=hold_id,
        expires_at=expires_at,
        period_id=transfer.period_id,
    )

"""Settlement periods: open one with its quota; find the one to spend in."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

from django.db import IntegrityError, transaction
from django.utils import timezone

from . import errors, ledger
from .domain import AccountKind, PeriodState, TransferCode, TransferKind, valid_points
from .models import SettlementPeriod
from .programs import account, require_program
from .records import PeriodView

ONE_OPEN_PERIOD = "period_one_open_per_channel"


def _constraint(error: IntegrityError) -> str:
    diag = getattr(error.__cause__, "diag", None)
    return getattr(diag, "constraint_name", None) or ""


def check_moment(value, param: str) -> None:
    if not hasattr(value, "utcoffset") or value.utcoffset() is None:
        raise errors.InvalidPeriod("Give dates and times with their time zone.", param)


def period_view(period: SettlementPeriod) -> PeriodView:
    return PeriodView(
        id=period.pk,
        starts_at=period.starts_at,
        ends_at=period.ends_at,
        quota=period.quota,
        state=period.state,
    )


def open_period(
    channel_id: int, starts_at: datetime, ends_at: datetime, quota: int
) -> PeriodView:
    """Open the channel's next period and issue its quota (one ``issue``
    transfer from the channel's issuance account to the period's quota
    account). Refused while another period of the channel is open."""
    require_program(channel_id)
    if quota != 0 and not valid_points(quota):
        raise errors.InvalidPoints(param="quota")
    check_moment(starts_at, "starts_at")
    check_moment(ends_at, "ends_at")
    if not isinstance(quota, int) or ends_at <= starts_at:
        raise errors.InvalidPeriod()
    now = timezone.now()
    with transaction.atomic():
        try:
            with transaction.atomic():
                period = SettlementPeriod.objects.create(
                    channel_id=channel_id,
                    starts_at=starts_at,
                    ends_at=ends_at,
                    quota=quota,
                )
        except IntegrityError as error:
            # Only the one-open-period index: the CHECKs were checked above.
            if _constraint(error) != ONE_OPEN_PERIOD:
                raise
            raise errors.PeriodAlreadyOpen() from None
        issuance = account(channel_id, AccountKind.ISSUANCE)
        quota_account = account(channel_id, AccountKind.QUOTA, period)
        if quota:
            locked = ledger.lock_accounts([issuance, quota_account])
            ledger.apply(
                channel_id,
                f"flash:period-open:{period.pk}",
                [
                    ledger.Leg(
                        TransferCode.ISSUE,
                        TransferKind.SINGLE,
                        locked[issuance.pk],
                        locked[quota_account.pk],
                        quota,
                        period,
                        reference=f"quota of period {period.pk}",
                    )
                ],
                now,
            )
    return period_view(period)


def current_period(channel_id: Any) -> SettlementPeriod:
    """The channel's open period; ``PeriodClosed`` if none is open."""
    period = SettlementPeriod.objects.filter(
        channel_id=channel_id, state=PeriodState.OPEN.value
    ).first()
    if period is None:
        raise errors.PeriodClosed()
    return period


def spendable_period(channel_id: int, now: datetime) -> SettlementPeriod:
    """The open period, if ``now`` is within its validity; else ``PeriodClosed``."""
    period = current_period(channel_id)
    if not (period.starts_at <= now < period.ends_at):
        raise errors.PeriodClosed(
            "The settlement period is not valid now (not started or ended)."
        )
    return period


def recheck_open(period: SettlementPeriod, mode: Optional[str] = None) -> None:
    """After taking the account locks: a close that committed meanwhile wins,
    and so does a switch of the program's mode (``program_settings`` takes
    the quota or hold lock before switching) when ``mode`` is given."""
    state, current_mode = (
        SettlementPeriod.objects.filter(pk=period.pk)
        .values_list("state", "channel__points_program__mode")
        .first()
    ) or (None, None)
    if state != PeriodState.OPEN.value:
        raise errors.PeriodClosed()
    if mode is not None and current_mode != mode:
        raise errors.PointsNotEnabled(
            f"This channel's points are now in {current_mode} mode.", param="mode"
        )

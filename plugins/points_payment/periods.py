"""Settlement periods: open one with its quota; find the one to spend in;
roll over to the next one when the open one has ended.

Roll-over (programs with ``period_length_days``): when the open period's end
has passed, ``roll_over`` closes it (``statements.close_period``: open holds
voided, what is left moved to expired, the statement stored, the
``points.period_closed`` webhook queued) and opens the next one with the
program's ``period_quota`` (null: the ended period's quota). The next period
starts where the ended one stopped, or, when whole periods passed without
use, at the latest period boundary not after now (no empty periods in
between). It runs lazily, inside the first grant, hold or read that finds
the period ended, and by the beat sweep ``sweeps.roll_over_periods``. A
per-channel advisory lock serialises racing roll-overs; the second finds
the new period and does nothing, so exactly one next period opens.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Optional

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from . import errors, ledger
from .domain import AccountKind, PeriodState, TransferCode, TransferKind, valid_points
from .models import PointsProgram, SettlementPeriod
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


def _open_period(channel_id: Any) -> Optional[SettlementPeriod]:
    return SettlementPeriod.objects.filter(
        channel_id=channel_id, state=PeriodState.OPEN.value
    ).first()


def current_period(channel_id: Any) -> SettlementPeriod:
    """The channel's open period (rolled over first if it has ended and the
    program rolls over); ``PeriodClosed`` if none is open."""
    period = _open_period(channel_id)
    if period is None:
        raise errors.PeriodClosed()
    if period.ends_at <= timezone.now():
        rolled = roll_over(channel_id)
        if rolled is not None:
            return rolled
        # Another call may have rolled over while we waited for its lock:
        # read again (its commit is visible to this new statement).
        period = _open_period(channel_id)
        if period is None:
            raise errors.PeriodClosed()
    return period


_ROLL_OVER_LOCK = 0x50C1  # advisory locks: (namespace, channel id)


def next_period_bounds(
    ended_at: datetime, length: timedelta, now: datetime
) -> tuple[datetime, datetime]:
    """The period after one that ended at ``ended_at``: the one containing
    ``now`` on the grid ``ended_at + k * length`` (k >= 0)."""
    skipped = max(0, (now - ended_at) // length)
    starts_at = ended_at + skipped * length
    return starts_at, starts_at + length


def roll_over(
    channel_id: int, now: Optional[datetime] = None
) -> Optional[SettlementPeriod]:
    """Close the channel's open period if its end has passed and open the
    next one (program's length and quota). Returns the new period, or None
    (nothing ended, no roll-over set, or another call rolled over first)."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)", [_ROLL_OVER_LOCK, channel_id]
            )
        now = now or timezone.now()
        period = _open_period(channel_id)
        if period is None or period.ends_at > now:
            return None
        program = PointsProgram.objects.filter(channel_id=channel_id).first()
        if program is None or not program.enabled or not program.period_length_days:
            return None
        from .statements import close_period  # statements builds on periods

        close_period(channel_id, period.pk)
        starts_at, ends_at = next_period_bounds(
            period.ends_at, timedelta(days=program.period_length_days), now
        )
        quota = program.period_quota
        opened = open_period(
            channel_id, starts_at, ends_at, period.quota if quota is None else quota
        )
        return SettlementPeriod.objects.get(pk=opened.id)


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

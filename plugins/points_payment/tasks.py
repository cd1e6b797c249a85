"""Beat tasks of the ledger (plain data in, counts out)."""

from __future__ import annotations

from celery import shared_task

from . import sweeps


@shared_task
def release_timed_out_holds_task() -> int:
    return sweeps.release_timed_out_holds()


@shared_task
def expire_lapsed_grants_task() -> int:
    return sweeps.expire_lapsed_grants()


@shared_task
def roll_over_periods_task() -> int:
    """Periodic: close ended settlement periods of programs that roll over
    and open their next ones (the lazy roll-over's safety net)."""
    return sweeps.roll_over_periods()


@shared_task
def audit_ledger_task() -> int:
    """Recompute every balance from the transfers; differences are logged
    as errors (there must be none)."""
    return len(sweeps.audit())


@shared_task
def purge_channel_api_requests_task() -> int:
    """Periodic: forget channel API request nonces past their ±300 s window
    and idempotency records older than the retention (24 h)."""
    from .api_idempotency import purge_expired

    nonces, records = purge_expired()
    return nonces + records

"""When the outbox tries a failed message again; pure (no Django)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Optional

RETRY_FOR = timedelta(days=3)


def retry_delay(attempts: int, base_seconds: float, cap_seconds: float) -> float:
    """Seconds to wait after the ``attempts``-th failed attempt: the base,
    doubled after each failure, never more than the cap."""
    exponent = max(0, attempts - 1)
    if exponent > 60:  # 2 ** 60 times any base is past every sensible cap
        return float(cap_seconds)
    return float(min(cap_seconds, base_seconds * (2**exponent)))


def next_attempt_at(
    now: datetime,
    attempts: int,
    retry_from: datetime,
    base_seconds: float,
    cap_seconds: float,
    retry_for: timedelta = RETRY_FOR,
) -> Optional[datetime]:
    """The next attempt after ``attempts`` failures, or None: give up (dead).

    Retries stop ``retry_for`` after ``retry_from`` (the enqueue or the last
    re-send); when the backoff would pass that deadline, one last attempt
    runs at the deadline itself.
    """
    deadline = retry_from + retry_for
    if now >= deadline:
        return None
    at = now + timedelta(seconds=retry_delay(attempts, base_seconds, cap_seconds))
    return min(at, deadline)

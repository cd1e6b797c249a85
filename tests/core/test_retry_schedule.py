"""The outbox's retry schedule: pure, no database."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from plugins.core.retry_schedule import RETRY_FOR, next_attempt_at, retry_delay

START = datetime(2026, 12, 1, 18, 0, tzinfo=timezone.utc)


def test_delay_doubles_up_to_the_cap():
    delays = [retry_delay(n, 30, 6 * 3600) for n in range(1, 14)]
    assert delays[:5] == [30, 60, 120, 240, 480]
    assert max(delays) == 6 * 3600 and delays[-1] == 6 * 3600
    assert retry_delay(10_000, 30, 600) == 600


def test_retries_for_three_days_then_dead():
    now, attempts, schedule = START, 0, []
    while True:
        attempts += 1  # one failed attempt at ``now``
        at = next_attempt_at(now, attempts, START, 30, 6 * 3600)
        if at is None:
            break
        assert at > now
        schedule.append(at)
        now = at
    assert RETRY_FOR == timedelta(days=3)
    # The last attempt runs exactly at the three-day mark, none after it.
    assert schedule[-1] == START + RETRY_FOR
    assert now == START + RETRY_FOR
    assert 15 < attempts < 25


def test_a_resend_counts_three_days_from_itself():
    late = START + timedelta(days=4)
    assert next_attempt_at(late, 30, START, 30, 3600) is None
    assert next_attempt_at(late, 30, late, 30, 3600) == late + timedelta(hours=1)

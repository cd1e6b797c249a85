"""Hourly roll-ups of the raw events: what every statistic reads.

An hour is rebuilt whole (delete its roll-up rows, aggregate its raw rows)
in one transaction under an advisory lock of that hour, so re-rolling is
idempotent and two rollers never double an hour. Hours with new events are
listed in ``engagement_dirtyhour`` by the writers; the roller deletes that
mark only if no writer bumped its generation meanwhile, so an event
committed during a re-roll is rolled up by the next pass.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import List, Optional

from django.db import connection, transaction

from .domain import BUCKET_BASE, BUCKET_COUNT, EventKind

_ROLL_EVENTS = """
INSERT INTO engagement_hourlyrollup
    (hour, kind, channel_id, sale_id, product_id, entry_point,
     events, sessions, quantity, time_on_page_ms, engaged_ms)
SELECT %(hour)s, kind, COALESCE(channel_id, 0), COALESCE(sale_id, 0),
       COALESCE(product_id, 0), entry_point,
       count(*), count(DISTINCT session_id), COALESCE(sum(quantity), 0),
       COALESCE(sum(time_on_page_ms), 0), COALESCE(sum(engaged_ms), 0)
FROM engagement_event
WHERE occurred_at >= %(hour)s AND occurred_at < %(end)s
GROUP BY kind, COALESCE(channel_id, 0), COALESCE(sale_id, 0),
         COALESCE(product_id, 0), entry_point
"""

# Same bucket formula as domain.time_bucket.
_ROLL_TIME_ON_PAGE = f"""
INSERT INTO engagement_timeonpagerollup
    (hour, channel_id, sale_id, product_id, bucket, pages)
SELECT %(hour)s, COALESCE(channel_id, 0), COALESCE(sale_id, 0),
       COALESCE(product_id, 0), bucket, count(*)
FROM (
    SELECT channel_id, sale_id, product_id,
           CASE WHEN time_on_page_ms < 100 THEN 0
                ELSE LEAST({BUCKET_COUNT - 1},
                           1 + floor(ln(time_on_page_ms / 100.0)
                                     / ln({BUCKET_BASE}))::int)
           END AS bucket
    FROM engagement_event
    WHERE occurred_at >= %(hour)s AND occurred_at < %(end)s
      AND kind = '{EventKind.PAGE_LEAVE.value}' AND time_on_page_ms IS NOT NULL
) AS leaves
GROUP BY COALESCE(channel_id, 0), COALESCE(sale_id, 0), COALESCE(product_id, 0),
         bucket
"""


# The scope roll-up of an hour, from that hour's rows above: each row
# counted once for "all" and once for its sale, channel and product.
_ROLL_SCOPES_OF_HOUR = """
INSERT INTO engagement_scoperollup
    (period, period_start, scope, scope_id, kind, events, quantity)
SELECT 'h', %(hour)s, scope, scope_id, kind, sum(events), sum(quantity)
FROM engagement_hourlyrollup
CROSS JOIN LATERAL (VALUES ('all', 0), ('sale', sale_id), ('channel', channel_id),
                           ('product', product_id)) AS scopes (scope, scope_id)
WHERE hour = %(hour)s AND (scope = 'all' OR scope_id <> 0)
GROUP BY scope, scope_id, kind
"""

_ROLL_SCOPES_OF_DAY = """
INSERT INTO engagement_scoperollup
    (period, period_start, scope, scope_id, kind, events, quantity)
SELECT 'd', %(day)s, scope, scope_id, kind, sum(events), sum(quantity)
FROM engagement_scoperollup
WHERE period = 'h' AND period_start >= %(day)s AND period_start < %(day_end)s
GROUP BY scope, scope_id, kind
"""


def _lock(cursor, name: str, moment: datetime, seconds: int) -> None:
    cursor.execute(
        "SELECT pg_advisory_xact_lock(hashtext(%s), "
        "(extract(epoch from %s::timestamptz) / %s)::int)",
        [name, moment, seconds],
    )


def _hour_params(hour: datetime) -> dict:
    return {"hour": hour, "end": hour + timedelta(hours=1)}


def _day_params(day: datetime) -> dict:
    return {"day": day, "day_end": day + timedelta(days=1)}


def _roll_hour_rows(cursor, hour: datetime) -> None:
    """Rebuild one hour's roll-ups (in the caller's transaction)."""
    params = _hour_params(hour)
    _lock(cursor, "engagement-rollup", hour, 3600)
    cursor.execute("DELETE FROM engagement_hourlyrollup WHERE hour = %s", [hour])
    cursor.execute("DELETE FROM engagement_timeonpagerollup WHERE hour = %s", [hour])
    cursor.execute(
        "DELETE FROM engagement_scoperollup WHERE period = 'h' AND period_start = %s",
        [hour],
    )
    cursor.execute(_ROLL_EVENTS, params)
    cursor.execute(_ROLL_TIME_ON_PAGE, params)
    cursor.execute(_ROLL_SCOPES_OF_HOUR, params)


def _roll_day_rows(cursor, day: datetime) -> None:
    """Rebuild a day's scope totals from its committed hours (in the
    caller's transaction). The day is rebuilt by one roller at a time, and
    after that roller's hours of it are committed: the last rebuild sees
    every hour committed before it."""
    _lock(cursor, "engagement-rollup-day", day, 86400)
    cursor.execute(
        "DELETE FROM engagement_scoperollup WHERE period = 'd' AND period_start = %s",
        [day],
    )
    cursor.execute(_ROLL_SCOPES_OF_DAY, _day_params(day))


def _day_of(hour: datetime) -> datetime:
    return hour.replace(hour=0)


def roll_hour(hour: datetime) -> None:
    """Rebuild the roll-ups of one hour, and its day's scope totals
    (idempotent)."""
    with transaction.atomic(), connection.cursor() as cursor:
        _roll_hour_rows(cursor, hour)
        _roll_day_rows(cursor, _day_of(hour))


def roll_dirty_hours(limit: Optional[int] = None) -> List[datetime]:
    """Re-roll every hour marked dirty, then each of their days once (a
    day's totals are rebuilt once per pass, not once per hour: fewer dead
    rows for the funnel's index to step over); returns the hours rolled.

    A mark is deleted only after its hour and its day are rebuilt, and only
    if no writer bumped its generation meanwhile: a pass that dies midway
    leaves its marks for the next one."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT hour, generation FROM engagement_dirtyhour ORDER BY hour"
            + (f" LIMIT {int(limit)}" if limit else "")
        )
        dirty = cursor.fetchall()
    for hour, _ in dirty:
        with transaction.atomic(), connection.cursor() as cursor:
            _roll_hour_rows(cursor, hour)
    for day in sorted({_day_of(hour) for hour, _ in dirty}):
        with transaction.atomic(), connection.cursor() as cursor:
            _roll_day_rows(cursor, day)
    with connection.cursor() as cursor:
        for hour, generation in dirty:
            cursor.execute(
                "DELETE FROM engagement_dirtyhour WHERE hour = %s AND generation = %s",
                [hour, generation],
            )
    return [hour for hour, _ in dirty]

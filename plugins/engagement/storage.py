"""The raw event table: day partitions (create ahead, drop after the
retention) and the idempotent insert every writer uses."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from typing import Iterable, List, Sequence

from django.conf import settings
from django.db import connection, transaction
from psycopg2.extras import execute_values

PARENT = "engagement_event"
_PARTITION_RE = re.compile(r"^engagement_event_(\d{8})$")
_known_partitions: set = set()

COLUMNS = (
    "event_id",
    "occurred_at",
    "received_at",
    "kind",
    "key_id",
    "channel_id",
    "member_id",
    "session_id",
    "client_id",
    "page",
    "entry_point",
    "product_id",
    "variant_id",
    "sale_id",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
    "time_on_page_ms",
    "engaged_ms",
    "share_target",
    "checkout_token",
    "order_id",
    "quantity",
)
_DEFAULTS = {
    "session_id": "",
    "client_id": "",
    "page": "",
    "entry_point": "",
    "utm_source": "",
    "utm_medium": "",
    "utm_campaign": "",
    "utm_term": "",
    "utm_content": "",
    "share_target": "",
}


def partition_name(day: date) -> str:
    return f"{PARENT}_{day:%Y%m%d}"


def _create_partition(cursor, day: date) -> None:
    start = datetime(day.year, day.month, day.day, tzinfo=timezone.utc)
    end = start + timedelta(days=1)
    cursor.execute(
        f"CREATE TABLE IF NOT EXISTS {partition_name(day)} PARTITION OF {PARENT} "
        "FOR VALUES FROM (%s) TO (%s)",
        [start, end],
    )


def existing_partitions() -> List[date]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT child.relname FROM pg_inherits "
            "JOIN pg_class parent ON parent.oid = pg_inherits.inhparent "
            "JOIN pg_class child ON child.oid = pg_inherits.inhrelid "
            "WHERE parent.relname = %s",
            [PARENT],
        )
        names = [row[0] for row in cursor.fetchall()]
    days = []
    for name in names:
        match = _PARTITION_RE.match(name)
        if match:
            days.append(datetime.strptime(match.group(1), "%Y%m%d").date())
    return sorted(days)


def ensure_partitions(days: Iterable[date]) -> None:
    """Create the partitions of ``days`` that are missing (idempotent; two
    processes racing are both fine: IF NOT EXISTS, serialised by a lock)."""
    missing = sorted(set(days) - _known_partitions)
    if not missing:
        return
    with connection.cursor() as cursor:
        for day in missing:
            # DDL on the parent: one creator at a time, so IF NOT EXISTS
            # never races into a duplicate-relation error.
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [PARENT])
            _create_partition(cursor, day)
    # Known only once committed: a rolled-back creation must be made again.
    transaction.on_commit(lambda: _known_partitions.update(missing))


def retention_days() -> int:
    return int(getattr(settings, "FLASH_EVENTS_RETENTION_DAYS", 90))


def maintain_partitions(today: date, ahead_days: int = 3) -> dict:
    """The beat's job: partitions from yesterday to ``ahead_days`` ahead
    exist; partitions wholly older than the retention are dropped."""
    wanted = [today + timedelta(days=offset) for offset in range(-1, ahead_days + 1)]
    with transaction.atomic():
        _known_partitions.difference_update(wanted)
        ensure_partitions(wanted)
    cutoff = today - timedelta(days=retention_days())
    dropped = []
    for day in existing_partitions():
        if day < cutoff:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [PARENT])
                cursor.execute(f"DROP TABLE IF EXISTS {partition_name(day)}")
            _known_partitions.discard(day)
            dropped.append(day.isoformat())
    return {"created_up_to": wanted[-1].isoformat(), "dropped": dropped}


def _hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def insert_events(rows: Sequence[dict]) -> int:
    """Insert event rows (dicts of ``COLUMNS``); duplicates (same event id and
    time) are dropped by the unique index. Marks their hours dirty for the
    roll-up. Call inside a transaction. Returns the rows inserted."""
    if not rows:
        return 0
    ensure_partitions(
        {row["occurred_at"].astimezone(timezone.utc).date() for row in rows}
    )
    values = [
        tuple(row.get(column, _DEFAULTS.get(column)) for column in COLUMNS)
        for row in rows
    ]
    with connection.cursor() as cursor:
        inserted = execute_values(
            cursor.cursor,
            f"INSERT INTO {PARENT} ({', '.join(COLUMNS)}) VALUES %s "
            "ON CONFLICT DO NOTHING RETURNING occurred_at",
            values,
            page_size=1000,
            fetch=True,
        )
        hours = sorted({_hour(row[0].astimezone(timezone.utc)) for row in inserted})
        if hours:
            mark_dirty(cursor, hours)
    return len(inserted)


def mark_dirty(cursor, hours: Sequence[datetime]) -> None:
    execute_values(
        cursor.cursor if hasattr(cursor, "cursor") else cursor,
        "INSERT INTO engagement_dirtyhour (hour, generation) VALUES %s "
        "ON CONFLICT (hour) DO UPDATE SET generation = EXCLUDED.generation",
        [(hour,) for hour in hours],
        # A generation is never reused (a sequence), so a roller that read an
        # older mark can never delete a newer one.
        template="(%s, nextval('engagement_dirty_generation'))",
    )

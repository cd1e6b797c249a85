"""Roll-ups equal the raw counts (also while ingestion runs concurrently),
re-rolls are idempotent, partitions are made ahead and dropped after the
retention, and a scripted session gives exact funnel numbers."""

from __future__ import annotations

import threading
from datetime import date, datetime, timedelta, timezone

import pytest
from django.db import connection, connections
from django.test import Client, override_settings

from plugins.engagement import rollups, statistics, storage
from plugins.engagement.statistics import Scope

from .support import drain_all, event, make_key, post_batch

pytestmark = pytest.mark.usefixtures("clean_stats")

DIMENSIONS = (
    "kind, COALESCE(channel_id, 0), COALESCE(sale_id, 0), "
    "COALESCE(product_id, 0), entry_point"
)


@pytest.mark.django_db
def test_on_the_test_database():
    pass


def raw_counts():
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {DIMENSIONS}, count(*) FROM engagement_event GROUP BY {DIMENSIONS}"
        )
        return {tuple(row[:-1]): row[-1] for row in cursor.fetchall()}


def rolled_counts():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT kind, channel_id, sale_id, product_id, entry_point, sum(events) "
            "FROM engagement_hourlyrollup GROUP BY 1, 2, 3, 4, 5"
        )
        return {tuple(row[:-1]): int(row[-1]) for row in cursor.fetchall()}


def ago(**delta) -> str:
    return (datetime.now(timezone.utc) - timedelta(**delta)).isoformat()


def scope_now(**fields) -> Scope:
    now = datetime.now(timezone.utc)
    return Scope(since=now - timedelta(hours=30), until=now, **fields)


def test_a_scripted_session_gives_exact_funnel_numbers():
    key = make_key()
    sale = {"sale_id": 7, "product_id": 3}
    session = [
        event("view", entry_point="channel_app", **sale, timestamp=ago(minutes=50)),
        event("view", entry_point="channel_app", **sale, timestamp=ago(minutes=49)),
        event("view", entry_point="social", **sale, timestamp=ago(minutes=48)),
        event("view", entry_point="social", **sale, timestamp=ago(minutes=47)),
        event("favourite", **sale, timestamp=ago(minutes=46)),
        event("share", target="line", **sale, timestamp=ago(minutes=45)),
        event("add_to_cart", **sale, timestamp=ago(minutes=44)),
        event("add_to_cart", **sale, timestamp=ago(minutes=43)),
        event("checkout_started", **sale, timestamp=ago(minutes=42)),
        event("page_leave", time_on_page_ms=4000, **sale, timestamp=ago(minutes=41)),
        event("page_leave", time_on_page_ms=60000, **sale, timestamp=ago(minutes=40)),
        # Another sale's view stays out of this sale's funnel.
        event("view", sale_id=8, product_id=3, timestamp=ago(minutes=40)),
    ]
    assert post_batch(key.public_key, session, session_id="scripted").status_code == 202
    drain_all()
    # A purchase as the server records it (see test_purchases for orders).
    storage_rows = [
        {
            "event_id": __import__("uuid").uuid4(),
            "occurred_at": datetime.now(timezone.utc) - timedelta(minutes=39),
            "received_at": datetime.now(timezone.utc),
            "kind": "purchase",
            "sale_id": 7,
            "product_id": 3,
            "quantity": 2,
        }
    ]
    from django.db import transaction

    with transaction.atomic():
        storage.insert_events(storage_rows)
    rollups.roll_dirty_hours()
    steps = statistics.funnel(scope_now(sale_id=7))
    assert [(s.name, s.count) for s in steps] == [
        ("views", 4),
        ("engaged", 2),
        ("add_to_cart", 2),
        ("checkout", 1),
        ("purchase", 1),
    ]
    assert [s.rate_from_previous for s in steps] == [None, 0.5, 1.0, 0.5, 1.0]
    assert steps[-1].rate_from_first == 0.25
    entry = {
        row.key: row.views for row in statistics.entry_points(scope_now(sale_id=7))
    }
    assert entry == {"channel_app": 2, "social": 2, "": 0}
    time_on_page = statistics.time_on_page(scope_now(sale_id=7))
    assert time_on_page.pages == 2
    assert 4000 <= time_on_page.median_ms <= 4000 * 1.12
    assert 60000 <= time_on_page.p90_ms <= 60000 * 1.12


def test_rerolling_an_hour_is_idempotent():
    key = make_key()
    post_batch(
        key.public_key, [event("view", timestamp=ago(minutes=5)) for _ in range(5)]
    )
    drain_all()
    rolled = rollups.roll_dirty_hours()
    assert len(rolled) >= 1
    before = rolled_counts()
    for hour in rolled:
        rollups.roll_hour(hour)
        rollups.roll_hour(hour)
    assert rolled_counts() == before == raw_counts()


def test_rollups_equal_raw_counts_with_concurrent_ingestion():
    key = make_key()
    stop = threading.Event()
    errors = []

    def sender(number):
        client = Client()
        try:
            for batch in range(12):
                events = [
                    event(
                        ["view", "add_to_cart", "favourite", "page_leave"][n % 4],
                        client_id=f"c{number}",
                        sale_id=1 + n % 3,
                        product_id=1 + n % 2,
                        entry_point=["social", "website"][n % 2],
                        timestamp=ago(minutes=(batch * 17 + n * 3) % 200),
                    )
                    for n in range(20)
                ]
                response = post_batch(
                    key.public_key, events, client=client, address=f"10.1.{number}.1"
                )
                assert response.status_code == 202, response.content
                drain_all()
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connections.close_all()

    def roller():
        try:
            while not stop.is_set():
                rollups.roll_dirty_hours()
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    with override_settings(FLASH_EVENTS_RATE_PER_IP=0, FLASH_EVENTS_RATE_PER_KEY=0):
        rolling = [threading.Thread(target=roller) for _ in range(2)]
        senders = [threading.Thread(target=sender, args=(n,)) for n in range(4)]
        for thread in rolling + senders:
            thread.start()
        for thread in senders:
            thread.join()
        stop.set()
        for thread in rolling:
            thread.join()
    assert not errors, errors
    drain_all()
    rollups.roll_dirty_hours()
    raw = raw_counts()
    assert sum(raw.values()) == 4 * 12 * 20
    assert rolled_counts() == raw
    assert scope_totals("d") == scope_totals("h") == raw_scope_totals()


def scope_totals(period):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT scope, scope_id, kind, sum(events) FROM engagement_scoperollup "
            "WHERE period = %s GROUP BY 1, 2, 3",
            [period],
        )
        return {tuple(row[:-1]): int(row[-1]) for row in cursor.fetchall()}


def raw_scope_totals():
    totals = {}
    for (kind, channel, sale, product, _entry), count in raw_counts().items():
        for scope, scope_id in (
            ("all", 0),
            ("sale", sale),
            ("channel", channel),
            ("product", product),
        ):
            if scope == "all" or scope_id:
                key = (scope, scope_id, kind)
                totals[key] = totals.get(key, 0) + count
    return totals


def test_partitions_are_made_ahead_and_dropped_after_the_retention():
    today = date.today()
    old_day = today - timedelta(days=12)
    storage.ensure_partitions([old_day])
    assert old_day in storage.existing_partitions()
    with override_settings(FLASH_EVENTS_RETENTION_DAYS=10):
        result = storage.maintain_partitions(today)
    days = storage.existing_partitions()
    assert old_day not in days and result["dropped"] == [old_day.isoformat()]
    for offset in range(-1, 4):
        assert today + timedelta(days=offset) in days
    # Idempotent.
    storage.maintain_partitions(today)
    assert storage.existing_partitions() == days

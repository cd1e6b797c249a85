import pytest


def clear_statistics() -> None:
    """Empty the event table, roll-ups, keys and the Redis queue."""
    from django.db import connection

    from plugins.engagement import ingestion, queue

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE engagement_event, engagement_hourlyrollup, "
            "engagement_timeonpagerollup, engagement_dirtyhour, "
            "engagement_scoperollup"
        )
        cursor.execute("DELETE FROM engagement_eventkey")
    client = queue.client()
    for pattern in ("flash:events:*", "flash:rl:events-*"):
        keys = list(client.scan_iter(match=pattern, count=1000))
        if keys:
            client.delete(*keys)
    ingestion.forget_cached_keys()


@pytest.fixture(scope="module")
def committed_db(django_db_setup, django_db_blocker):
    """Autocommit access to the test database for a whole module (threads,
    workers and servers see committed rows); statistics emptied around it."""
    from tests.sale_windows import factories

    with django_db_blocker.unblock():
        from django.db import connection

        assert connection.settings_dict["NAME"].startswith("test_")
        clear_statistics()
        try:
            yield
        finally:
            clear_statistics()
            factories.delete_created()


@pytest.fixture
def clean_stats(committed_db):
    from tests.engagement.conftest import clear_statistics

    clear_statistics()
    yield

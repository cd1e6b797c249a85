import os

import pytest

from tests.support import (
    ApiServer,
    database_url_from_settings,
    start_api_server,
    start_celery_worker,
)

# Browser fixtures live in one plugin module: a second session-scoped
# Playwright instance (say, imported into another conftest) fails to start.
pytest_plugins = ["tests.browser_fixtures"]


def pytest_configure(config):
    # The suite needs real services; `make test` resolves them.
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")


# Tests are marked by the fixtures they use, directly or through other
# fixtures, so `make test-fast` (-m "not server and not browser") never
# starts a server process or a browser. Tests that start processes of their
# own (the launcher, a herd) carry the mark in their module.
SERVER_FIXTURES = {"api_server", "lane_api_server", "celery_worker_process"}
BROWSER_FIXTURES = {"browser", "page"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        used = set(getattr(item, "fixturenames", ()))
        if used & BROWSER_FIXTURES:
            item.add_marker(pytest.mark.browser)
        if used & (SERVER_FIXTURES | BROWSER_FIXTURES):
            item.add_marker(pytest.mark.server)


@pytest.fixture(scope="session")
def api_server(django_db_setup, django_db_blocker) -> ApiServer:
    """A real gunicorn API server (2 worker processes) on the test database.

    Tests that use it need ``transactional_db``: the server's processes only
    see committed rows.
    """
    from django.conf import settings

    server = start_api_server(database_url_from_settings(settings.DATABASES["default"]))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def lane_api_server(django_db_setup, django_db_blocker) -> ApiServer:
    """The same server in the flash-sale mode: threaded workers with the
    database lane (FLASH_THREADS=auto)."""
    from django.conf import settings

    from saleor_flash import devenv

    server = start_api_server(
        database_url_from_settings(settings.DATABASES["default"]),
        threads=devenv.lane_threads(2),
    )
    yield server
    server.stop()


@pytest.fixture
def redis_client():
    import redis
    from django.conf import settings

    client = redis.Redis.from_url(settings.REDIS_URL)
    yield client
    client.close()


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker):
    """A real Celery worker (separate process) on the test database and broker."""
    from django.conf import settings

    worker = start_celery_worker(
        database_url_from_settings(settings.DATABASES["default"])
    )
    yield worker
    worker.terminate()
    try:
        worker.wait(15)
    except Exception:
        worker.kill()

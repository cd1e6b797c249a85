"""The database lane (plugins/core/database_lane.py), with real threads and
real PostgreSQL: database work queues in arrival order; gate-answerable
requests without SQL and express work do not wait behind it."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection

from plugins.core import database_lane
from plugins.core.database_lane import FifoLane


def test_the_lane_admits_waiters_in_arrival_order():
    lane = FifoLane(1)
    lane.acquire()
    order = []

    def waiter(n):
        lane.acquire()
        order.append(n)
        lane.release()

    threads = []
    for n in range(8):
        thread = threading.Thread(target=waiter, args=(n,))
        thread.start()
        threads.append(thread)
        time.sleep(0.02)  # each is queued before the next starts
    lane.release()
    for thread in threads:
        thread.join(5)
    assert order == list(range(8))


@pytest.fixture
def database(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        yield


def _sleep_in_database(seconds):
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(%s)", [seconds])


def _request(gate_answerable: bool):
    from django.test import RequestFactory

    query = "mutation { flashSaleReserve(itemId: 1, quantity: 1) { x } }"
    return RequestFactory().post(
        "/graphql/",
        {"query": query if gate_answerable else "{ shop { name } }"},
        content_type="application/json",
    )


def _serve(view, started, finished, name, gate_answerable=True):
    """Run one request through the lane middleware in its own thread."""
    request = _request(gate_answerable)

    def run():
        try:
            started[name] = time.monotonic()
            database_lane.middleware(view)(request)
            finished[name] = time.monotonic()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@pytest.mark.django_db
def test_requests_without_sql_and_express_work_pass_a_busy_lane(database):
    started, finished = {}, {}

    def slow(_request):
        _sleep_in_database(0.8)

    def no_sql(_request):
        return "answered from Redis"

    def express_decision(_request):
        with database_lane.express():
            _sleep_in_database(0.01)

    def queued(_request):
        _sleep_in_database(0.01)

    holder = _serve(slow, started, finished, "slow", gate_answerable=False)
    time.sleep(0.2)  # the slow request is in the lane now
    others = [
        _serve(no_sql, started, finished, "no_sql"),
        _serve(express_decision, started, finished, "express"),
        _serve(queued, started, finished, "queued"),
        # Any other request takes the lane at once, SQL or not.
        _serve(no_sql, started, finished, "other", gate_answerable=False),
    ]
    for thread in [holder, *others]:
        thread.join(10)

    assert finished["no_sql"] < finished["slow"]
    assert finished["express"] < finished["slow"]
    # A request with SQL waits for the one in the lane, and so does every
    # request that the gate cannot answer.
    assert finished["queued"] >= finished["slow"]
    assert finished["other"] >= finished["slow"]


@pytest.mark.django_db
def test_express_work_inside_an_open_transaction_stays_in_the_lane(database):
    from django.db import transaction

    with transaction.atomic():
        with database_lane.express():
            assert not getattr(database_lane._local, "express", False)

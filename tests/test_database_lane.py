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
        # As a threaded worker serves it (sync workers skip the lane).
        **{"wsgi.multithread": True},
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


# --- the cross-worker lane: slots that die with their holder -----------------


def _hold_a_slot_forever(holding):
    database_lane._enter()
    holding.set()
    time.sleep(600)


def _pass_through_the_lane(served):
    database_lane._enter()
    served.set()
    database_lane._leave()


@pytest.fixture
def shared_lane(tmp_path):
    """The lane as the gunicorn master makes it; processes forked from here
    play the workers."""
    yield lambda size: database_lane.share_between_workers(size, str(tmp_path))
    database_lane.stop_sharing()


def _fork(target, *args):
    import multiprocessing

    process = multiprocessing.get_context("fork").Process(
        target=target, args=args, daemon=True
    )
    process.start()
    return process


def test_a_worker_killed_holding_a_slot_gives_it_back(shared_lane):
    """#10 item 4: with a semaphore, every slot held by a SIGKILLed worker was
    lost, and after as many deaths as slots nothing was served any more."""
    import multiprocessing
    import os
    import signal

    shared_lane(2)
    events = multiprocessing.get_context("fork")
    for _round in range(3):  # more deaths than slots
        holders = []
        for _slot in range(2):
            holding = events.Event()
            holders.append(_fork(_hold_a_slot_forever, holding))
            assert holding.wait(10), "a slot was free"
        for holder in holders:
            os.kill(holder.pid, signal.SIGKILL)
            holder.join(10)
    for _request in range(4):
        served = events.Event()
        worker = _fork(_pass_through_the_lane, served)
        assert served.wait(10), "the lane lost its slots to killed workers"
        worker.join(10)


def test_the_shared_lane_still_bounds_live_workers(shared_lane):
    import multiprocessing
    import os
    import signal

    shared_lane(1)
    events = multiprocessing.get_context("fork")
    holding, served = events.Event(), events.Event()
    holder = _fork(_hold_a_slot_forever, holding)
    assert holding.wait(10)
    waiter = _fork(_pass_through_the_lane, served)
    assert not served.wait(0.5), "two workers in a lane of one"
    os.kill(holder.pid, signal.SIGKILL)
    assert served.wait(10)
    for process in (holder, waiter):
        process.join(10)


def _workers_of(master_pid):
    with open(f"/proc/{master_pid}/task/{master_pid}/children") as children:
        return [int(pid) for pid in children.read().split()]


PRODUCTS = "{ products(first: 1) { edges { node { id } } } }"


@pytest.mark.server
def test_gunicorn_serves_on_after_workers_die_holding_the_lane(transactional_db):
    """The flash-sale mode on real gunicorn with one lane slot: a request
    holds it (waiting on a table lock), both workers are SIGKILLed, and the
    respawned workers still serve. With the master's semaphore, the slot
    died with its holder and every later request waited forever."""
    import os
    import signal

    import psycopg2
    from django.conf import settings

    from saleor_flash import devenv
    from tests.support import database_url_from_settings, post_graphql, start_api_server

    database_url = database_url_from_settings(settings.DATABASES["default"])
    server = start_api_server(
        database_url,
        workers=2,
        threads=devenv.lane_threads(2),
        extra_env={"FLASH_DB_LANE": "1"},
    )
    blocker = psycopg2.connect(database_url)
    try:
        post_graphql(server.graphql_url, PRODUCTS)  # warm: both can serve
        with blocker.cursor() as cursor:
            cursor.execute("LOCK TABLE product_product IN ACCESS EXCLUSIVE MODE")
        outcomes = []

        def send_stuck_request():
            thread = threading.Thread(
                target=lambda: outcomes.append(
                    _outcome(post_graphql, server.graphql_url, PRODUCTS)
                )
            )
            thread.start()
            return thread

        stuck = send_stuck_request()
        deadline = time.time() + 45
        while not _waiting_on_a_lock(blocker):  # the slot holder is in PostgreSQL
            assert time.time() < deadline, (
                f"the request never reached PostgreSQL: {outcomes}"
            )
            if not stuck.is_alive():  # answered before the lock: try again
                stuck = send_stuck_request()
            time.sleep(0.1)
        old_workers = _workers_of(server.process.pid)
        for pid in old_workers:
            os.kill(pid, signal.SIGKILL)
        blocker.rollback()
        stuck.join(35)

        deadline = time.time() + 30
        while set(_workers_of(server.process.pid)) & set(old_workers) or (
            len(_workers_of(server.process.pid)) < 2
        ):
            assert time.time() < deadline, "gunicorn did not respawn its workers"
            time.sleep(0.2)
        for _request in range(4):
            answer = post_graphql(server.graphql_url, PRODUCTS, timeout=60)
            assert "errors" not in answer, answer
    finally:
        blocker.close()
        server.stop()


def _outcome(call, *args):
    try:
        return call(*args)
    except Exception as error:  # noqa: BLE001 - its worker is killed under it
        return repr(error)


def _waiting_on_a_lock(blocker) -> bool:
    with blocker.cursor() as cursor:
        # The blocker is inside its LOCK TABLE transaction, where PostgreSQL
        # keeps the first pg_stat_activity snapshot it took: clear it, or a
        # first look taken before the request arrived is all it ever sees.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0] > 0

"""The database lane (the flash-sale mode, FLASH_THREADS > 1 or ``auto``):
requests run one at a time per worker process, in arrival order, and at most
``FLASH_DB_LANE`` at a time across all workers (default: the number of CPU
cores), as on sync workers. Every request takes the lane when it starts,
except requests the flash gate may answer (``flashSaleReserve…``), which take
it only at their first SQL query: the gate's Redis answers to a sold-out herd
run beside the checkouts instead of queueing behind them.

Short, lock-ordered work that decides who waits, such as a flash hold
decision, runs in a lane of its own (``express()``, one at a time per
process): a herd's losers that reach PostgreSQL before the gate knows the item
is sold out are answered without queueing behind the winners' checkouts.

The cross-worker limit is a semaphore the gunicorn master creates before it
forks the workers (``saleor_flash/gunicorn_conf.py``); without it (sync
workers, ``manage.py runserver``) only the per-process lane applies.

No deadlock: a thread waits only for lanes, always in the order process lane,
then shared lane; a request holds no database lock before it has entered them
(express work is refused inside an open transaction, so it ends its
transactions before it returns), and it leaves them only when done.
"""

from __future__ import annotations

import threading
from collections import deque
from contextlib import contextmanager

from django.db import connection


class FifoLane:
    """A counting semaphore that admits waiters in arrival order (Python's
    Semaphore wakes an arbitrary waiter, which starves some requests)."""

    def __init__(self, size: int):
        self._free = size
        self._waiters: deque = deque()
        self._lock = threading.Lock()

    def acquire(self) -> None:
        with self._lock:
            if self._free > 0 and not self._waiters:
                self._free -= 1
                return
            turn = threading.Event()
            self._waiters.append(turn)
        turn.wait()

    def release(self) -> None:
        with self._lock:
            if self._waiters:
                self._waiters.popleft().set()  # the slot passes straight on
            else:
                self._free += 1


# Set in the gunicorn master before fork; inherited by every worker.
_shared = None  # type: Optional[object]


def share_between_workers(size: int) -> None:
    """Create the cross-worker lane (call in the master, before forking)."""
    global _shared
    import multiprocessing

    _shared = multiprocessing.BoundedSemaphore(max(1, size))


_process_lane = FifoLane(1)
_express_lane = FifoLane(1)
_local = threading.local()


def _enter() -> None:
    _process_lane.acquire()
    if _shared is not None:
        _shared.acquire()


def _leave() -> None:
    if _shared is not None:
        _shared.release()
    _process_lane.release()


@contextmanager
def express():
    """Queries inside run in the express lane instead of the database lane.
    Only for work whose transactions end inside the block; inside an open
    transaction it does nothing (its locks would be held while waiting)."""
    if connection.in_atomic_block or getattr(_local, "express", False):
        yield
        return
    _express_lane.acquire()
    _local.express = True
    try:
        yield
    finally:
        _local.express = False
        _express_lane.release()


# Requests that may be answered by the flash gate without any SQL; every
# other request takes the lane at once, so it runs exactly as on a sync worker
# (no GIL contention from many half-parsed requests).
GATE_ANSWERABLE = (b"flashSaleReserve",)


def _may_skip_the_lane(request) -> bool:
    if request.method != "POST":
        return False
    try:
        body = request.body
    except Exception:
        return False
    return any(marker in body for marker in GATE_ANSWERABLE)


def middleware(get_response):
    def database_lane(request):
        entered = []
        if not _may_skip_the_lane(request):
            _enter()
            entered.append(True)

        def enter_lane(execute, sql, params, many, context):
            if not entered and not getattr(_local, "express", False):
                _enter()
                entered.append(True)
            return execute(sql, params, many, context)

        try:
            with connection.execute_wrapper(enter_lane):
                return get_response(request)
        finally:
            if entered:
                _leave()

    return database_lane

"""The database lane: with threaded workers (FLASH_THREADS > 1), requests that
use PostgreSQL run ``FLASH_DB_LANE`` at a time per worker process (1 by
default, as a sync worker would), in arrival order, entering the lane at their
first query. Requests that never touch the database, above all the flash
gate's Redis answers to a sold-out herd, run beside them at once instead of
queueing behind checkouts.

Short, lock-ordered work that decides who waits, such as a flash hold
decision, runs outside the lane (``express()``): a herd's losers that reach
PostgreSQL before the gate knows the item is sold out are answered without
queueing behind the winners' checkouts.

No deadlock between the threads of a process: the lane is the only thing a
thread waits for in-process, a request holds no database lock before it has
entered the lane (express work ends its transaction before it returns), and
it leaves the lane only when done.
"""

from __future__ import annotations

import threading
from collections import deque
from contextlib import contextmanager

from django.conf import settings
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


_local = threading.local()


@contextmanager
def express():
    """Queries inside run without entering the lane. Only for work whose
    transactions end inside the block; inside an open transaction it does
    nothing (its locks would be held while waiting for the lane)."""
    if connection.in_atomic_block:
        yield
        return
    outer = getattr(_local, "express", False)
    _local.express = True
    try:
        yield
    finally:
        _local.express = outer


def middleware(get_response):
    lane = FifoLane(max(1, settings.FLASH_DB_LANE))

    def database_lane(request):
        entered = []

        def enter_lane(execute, sql, params, many, context):
            if not entered and not getattr(_local, "express", False):
                lane.acquire()
                entered.append(True)
            return execute(sql, params, many, context)

        try:
            with connection.execute_wrapper(enter_lane):
                return get_response(request)
        finally:
            if entered:
                lane.release()

    return database_lane

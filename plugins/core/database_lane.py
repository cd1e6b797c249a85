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

The cross-worker limit is a set of ``FLASH_DB_LANE`` slot files the gunicorn
master creates before it forks the workers (``saleor_flash/gunicorn_conf.py``);
a worker holds a slot with ``fcntl.flock`` on the file, through a descriptor of
its own. The kernel drops the lock when the holder's descriptors close, so a
worker killed while holding a slot (SIGKILL, OOM, graceful timeout) frees it:
no death can lose a slot for good (a ``multiprocessing`` semaphore stays taken).
A process waits for a slot behind a ``queue`` lock file: only the process at
the head of the queue polls the slots, so processes are served in turn and a
process's own threads in arrival order (its FIFO lane, one holder at a time).
Sync workers skip the lane altogether (they serve one request at a time per
process: nothing to order); without the slot files (``manage.py runserver``)
only the per-process lane applies.

No deadlock: a thread waits only for lanes, always in the order process lane,
then shared lane; a request holds no database lock before it has entered them
(express work is refused inside an open transaction, so it ends its
transactions before it returns), and it leaves them only when done.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
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


class SlotFiles:
    """``size`` slots shared by processes as lock files in ``directory``: a
    slot is held while its file is ``flock``-ed, and freed by the kernel when
    the holder releases it or dies. Each process opens its own descriptors
    (a descriptor inherited over ``fork`` would share its lock with the
    parent)."""

    POLL_S = 0.002

    def __init__(self, directory: str, size: int):
        self.directory = directory
        self.size = max(1, size)
        self._pid = None  # type: Optional[int]
        self._queue_fd = -1
        self._slot_fds = []  # type: List[int]
        self._held = -1
        self._next = 0

    @classmethod
    def create(cls, directory: str, size: int) -> SlotFiles:
        os.makedirs(directory, exist_ok=True)
        for name in ["queue"] + [f"slot-{n}" for n in range(max(1, size))]:
            with open(os.path.join(directory, name), "a"):
                pass
        return cls(directory, size)

    def _open(self) -> None:
        if self._pid == os.getpid():
            return
        # After fork: the parent's descriptors are not ours to lock with.
        self._queue_fd = os.open(os.path.join(self.directory, "queue"), os.O_RDWR)
        self._slot_fds = [
            os.open(os.path.join(self.directory, f"slot-{n}"), os.O_RDWR)
            for n in range(self.size)
        ]
        self._held = -1
        self._pid = os.getpid()

    def _try_slots(self) -> bool:
        for offset in range(self.size):
            slot = (self._next + offset) % self.size
            try:
                fcntl.flock(self._slot_fds[slot], fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue
            self._held = slot
            self._next = (slot + 1) % self.size
            return True
        return False

    def acquire(self) -> None:
        """Take a slot (one holder per process: callers hold the process
        lane). Waits at the queue's head, polling, while every slot is held."""
        self._open()
        if self._try_slots():
            return
        fcntl.flock(self._queue_fd, fcntl.LOCK_EX)
        try:
            while not self._try_slots():
                time.sleep(self.POLL_S)
        finally:
            fcntl.flock(self._queue_fd, fcntl.LOCK_UN)

    def release(self) -> None:
        if self._held >= 0 and self._pid == os.getpid():
            fcntl.flock(self._slot_fds[self._held], fcntl.LOCK_UN)
        self._held = -1


# Set in the gunicorn master before fork; inherited by every worker.
_shared = None  # type: Optional[SlotFiles]


def share_between_workers(size: int, directory: str) -> None:
    """Create the cross-worker lane of ``size`` slots as lock files in
    ``directory`` (call in the master, before forking)."""
    global _shared
    _shared = SlotFiles.create(directory, size)


def stop_sharing() -> None:
    """Forget the cross-worker lane (the master at exit; tests)."""
    global _shared
    _shared = None


_process_lane = FifoLane(1)
_express_lane = FifoLane(1)
_local = threading.local()


def _enter() -> None:
    _process_lane.acquire()
    if _shared is not None:
        try:
            _shared.acquire()
        except BaseException:
            _process_lane.release()
            raise


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
        if not request.META.get("wsgi.multithread"):
            # One request at a time in this process (sync workers): there is
            # no queue to order, and the cross-worker lane exists only for
            # threaded workers (gunicorn_conf.py).
            return get_response(request)
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

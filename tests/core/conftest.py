"""Real pieces for the outbox tests: committed rows, a Celery worker on a
queue of its own (so that a worker started by other test modules never takes
these tasks), and a local webhook receiver thread."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import List, Optional

import pytest

from tests.support import database_url_from_settings, start_celery_worker

QUEUE = f"flash-outbox-test-{os.getpid()}"
# Fast retries for the worker: 0.1, 0.2, 0.4, 0.8, 1.6 s.
WORKER_ENV = {
    "FLASH_OUTBOX_QUEUE": QUEUE,
    "FLASH_OUTBOX_BACKOFF_SECONDS": "0.1",
    "FLASH_OUTBOX_BACKOFF_CAP_SECONDS": "2",
}


def wait_for(predicate, seconds: float = 30.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


@pytest.fixture(scope="module")
def committed_outbox(django_db_setup, django_db_blocker):
    """Autocommit access to the test database; removes the messages made."""
    with django_db_blocker.unblock():
        from django.db import connection

        from plugins.core.models import OutboxMessage

        assert connection.settings_dict["NAME"].startswith("test_")
        first = (
            OutboxMessage.objects.order_by("-pk").values_list("pk", flat=True)[:1]
            or [0]
        )[0]
        try:
            yield
        finally:
            OutboxMessage.objects.filter(pk__gt=first).delete()


@pytest.fixture
def outbox_settings(settings):
    settings.FLASH_OUTBOX_QUEUE = QUEUE
    settings.FLASH_OUTBOX_BACKOFF_SECONDS = 0.1
    settings.FLASH_OUTBOX_BACKOFF_CAP_SECONDS = 2
    return settings


@pytest.fixture
def in_process(outbox_settings, redis_client):
    """Tasks go to a queue no worker reads: the test delivers in-process."""
    idle = f"{QUEUE}-idle"
    outbox_settings.FLASH_OUTBOX_QUEUE = idle
    yield outbox_settings
    redis_client.delete(idle)


class Worker:
    """A Celery worker process on the test queue that can be SIGKILLed."""

    def __init__(self):
        self.process = None

    def start(self) -> None:
        from django.conf import settings

        self.process = start_celery_worker(
            database_url_from_settings(settings.DATABASES["default"]),
            extra_env=WORKER_ENV,
            queues=QUEUE,
        )

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)
        self.process = None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except Exception:
                self.process.kill()
        self.process = None


@pytest.fixture(scope="module")
def outbox_worker(committed_outbox):
    worker = Worker()
    yield worker
    worker.stop()


class Receiver:
    """A webhook endpoint: answers ``statuses`` in turn (then 200), records
    every request; ``hold`` makes requests wait until ``release``."""

    def __init__(self, statuses: Optional[List[int]] = None):
        self.statuses = list(statuses or [])
        self.requests: List[tuple] = []
        self.arrivals: List[float] = []
        self.arrived = threading.Event()
        self.gate = threading.Event()
        self.gate.set()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with lock:
                    receiver.requests.append((dict(self.headers), body))
                    receiver.arrivals.append(time.monotonic())
                    status = receiver.statuses.pop(0) if receiver.statuses else 200
                receiver.arrived.set()
                receiver.gate.wait(30)
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args):
                pass

        lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/hooks/flash"

    def hold(self) -> None:
        self.gate.clear()

    def release(self) -> None:
        self.gate.set()

    def event_ids(self) -> List[str]:
        return [json.loads(body)["event_id"] for _, body in self.requests]

    def close(self) -> None:
        self.release()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    made = []

    def make(statuses=None) -> Receiver:
        made.append(Receiver(statuses))
        return made[-1]

    yield make
    for server in made:
        server.close()

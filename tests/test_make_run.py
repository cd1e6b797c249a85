"""`make run`'s launcher, for real: it serves with the demo seeded, survives
being killed and started again (stopping the leftovers, seeding nothing new),
and stops everything it started on Ctrl-C."""

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from saleor_flash import devenv
from tests.support import database_url_from_settings, post_graphql

PROJECT = Path(__file__).resolve().parent.parent

pytestmark = [pytest.mark.server, pytest.mark.django_db(transaction=True)]


class Launcher:
    def __init__(self, env):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "saleor_flash.devenv", "run"],
            cwd=PROJECT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines = queue.Queue()
        self.seen = []
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self):
        for line in self.process.stdout:
            self.lines.put(line)

    def wait_for(self, text, seconds=180.0):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.5)
            except queue.Empty:
                if self.process.poll() is not None:
                    break
                continue
            self.seen.append(line)
            if text in line:
                return
        raise AssertionError(f"never saw {text!r}; output:\n{''.join(self.seen)}")

    def output(self):
        while not self.lines.empty():
            self.seen.append(self.lines.get())
        return "".join(self.seen)


def children_of(pid):
    try:
        return Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []


def test_run_serves_survives_a_kill_and_stops_on_ctrl_c(tmp_path):
    from django.conf import settings

    port = devenv.free_port()
    env = dict(
        os.environ,
        DATABASE_URL=database_url_from_settings(settings.DATABASES["default"]),
        FLASH_PORT=str(port),
        FLASH_VAR_DIR=str(tmp_path),
    )
    # As from a shell: not the test run's mode (settings export DEBUG=False).
    for name in ("DEBUG", "FLASH_TESTING"):
        env.pop(name, None)
    graphql = f"http://127.0.0.1:{port}/graphql/"

    first = Launcher(env)
    first.wait_for("ready:")
    assert "Created now:" in first.output()
    assert "running the demo in DEBUG" in first.output()
    assert "DEBUG demo, not for production" in first.output()
    shop = post_graphql(graphql, "{ shop { name } products(first: 1) { totalCount } }")
    assert shop["data"]["shop"]["name"] == "Saleor Flash demo"
    products = shop["data"]["products"]["totalCount"]
    orphans = children_of(first.process.pid)
    assert len(orphans) == 3  # API, Celery worker, Celery beat

    first.process.kill()  # SIGKILL: the launcher cannot clean up
    first.process.wait(10)

    second = Launcher(env)
    second.wait_for("ready:")
    text = second.output()
    assert text.count("left over from an earlier run") == 3
    assert "nothing (everything was already there)" in text
    again = post_graphql(graphql, "{ products(first: 1) { totalCount } }")
    assert again["data"]["products"]["totalCount"] == products
    for pid in orphans:
        assert not Path(f"/proc/{pid}").exists()

    started = children_of(second.process.pid)
    second.process.send_signal(signal.SIGINT)
    assert second.process.wait(60) == 0
    second.wait_for("stopped", seconds=5)
    time.sleep(0.5)
    assert all(not Path(f"/proc/{pid}").exists() for pid in started)
    assert not (tmp_path / "launcher.pids").exists()

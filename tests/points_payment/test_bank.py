"""Jepsen-style bank test of the channel API: 64 concurrent clients over HTTP
against a 2-process gunicorn server mix grants, revocations and retries with
the same key (in flight together and after the answer) while redemptions and
refunds run on the ledger and a server worker is SIGKILLed. The quota is far
below the demand.

Redemptions call the ledger's hold/post in this process (threads), not
through the storefront's checkout: the ``flash.payments.points`` gateway is
not on this branch yet (points-gateway).

Afterwards: the audit is empty (every account equals its transfers); quota =
granted + remaining; nothing negative; each key had exactly one effect and
every answer to it was the same bytes; granted/redeemed match what the
clients were told; nothing redeemed beyond the quota.
"""

from __future__ import annotations

import os
import random
import signal
import threading
import time
import urllib.error
import uuid
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections

from plugins.points_payment import api_requests, services
from plugins.points_payment.errors import PointsError
from plugins.points_payment.models import PointsTransfer
from tests.support import database_url_from_settings, start_api_server

from . import ledger_support
from .channel_api import ChannelApi

pytestmark = pytest.mark.server

CLIENTS = 64
OPS_PER_CLIENT = 10
MEMBERS = [f"bank-{n}" for n in range(12)]
QUOTA = 20_000  # the clients ask for ~10x this


@pytest.mark.django_db
def test_on_the_test_database():
    from django.db import connection

    assert connection.settings_dict["NAME"].startswith("test_")


@pytest.fixture(scope="module")
def bank_server(committed_db):
    from django.conf import settings

    server = start_api_server(
        database_url_from_settings(settings.DATABASES["default"]),
        workers=2,
        # A killed attempt's key is taken over after 3 s, not 90 s.
        extra_env={"FLASH_POINTS_IDEMPOTENCY_STALE_SECONDS": "3"},
    )
    yield server
    server.stop()


def _worker_pids(master_pid: int):
    pids = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == master_pid:
                pids.append(int(name))
    return pids


class Bank:
    """What the clients were told, per key, and the in-process redemptions."""

    def __init__(self):
        self.lock = threading.Lock()
        self.answers = defaultdict(list)  # key -> [(status, body)]
        self.requests = {}  # key -> (kind, member, points)
        self.redeemed = defaultdict(int)  # member -> posted points
        self.refunded = defaultdict(int)
        self.redemptions = []  # (member, post transfer id, points)

    def told(self, key, status, body):
        with self.lock:
            self.answers[key].append((status, body))


def _send(api, bank, key, kind, member, points, deadline):
    """Send until answered (a killed worker drops the connection; a key still
    running answers 409): the same key every time."""
    path = f"/members/{member}/{'grants' if kind == 'grant' else 'revocations'}"
    answer_or_error = None
    while time.monotonic() < deadline:
        try:
            answer = api.post(path, {"points": points}, key=key)
        except (urllib.error.URLError, ConnectionError, OSError) as error:
            answer_or_error = repr(error)
            time.sleep(0.1)
            continue
        if answer.status == 409 and answer.code == "idempotency_key_in_use":
            answer_or_error = answer.body
            time.sleep(0.2)
            continue
        bank.told(key, answer.status, answer.body)
        return answer
    raise AssertionError(f"no answer for {key}: last {answer_or_error}")


def _client(n, api, bank, deadline):
    rng = random.Random(n)
    mine = []
    try:
        for _ in range(OPS_PER_CLIENT):
            roll = rng.random()
            if mine and roll < 0.15:  # a retry after the answer
                _send(api, bank, *rng.choice(mine), deadline)
                continue
            kind = "grant" if roll < 0.75 else "revoke"
            member = rng.choice(MEMBERS)
            points = rng.randint(50, 400) if kind == "grant" else rng.randint(10, 150)
            key = f"bank-{n}-{uuid.uuid4().hex[:8]}"
            with bank.lock:
                bank.requests[key] = (kind, member, points)
            request = (key, kind, member, points)
            mine.append(request)
            if rng.random() < 0.2:  # the same key twice in flight at once
                with ThreadPoolExecutor(2) as twins:
                    list(
                        twins.map(
                            lambda _, request=request: _send(
                                api, bank, *request, deadline
                            ),
                            (0, 1),
                        )
                    )
            else:
                _send(api, bank, *request, deadline)
    finally:
        connections.close_all()


def _redeemer(n, channel_id, bank, stop):
    rng = random.Random(1000 + n)
    try:
        while not stop.is_set():
            member = rng.choice(MEMBERS)
            points = rng.randint(20, 200)
            tid = uuid.uuid4().hex
            try:
                hold = services.hold(
                    channel_id, member, points, transfer_id=f"h-{tid}", reference="bank"
                )
                if rng.random() < 0.2:
                    services.void_hold(channel_id, hold.id, transfer_id=f"v-{tid}")
                    continue
                services.post_hold(channel_id, hold.id, transfer_id=f"p-{tid}")
            except PointsError:
                time.sleep(0.02)
                continue
            with bank.lock:
                bank.redeemed[member] += points
                bank.redemptions.append((member, f"p-{tid}", points))
            if rng.random() < 0.25:
                back = rng.randint(1, points)
                services.refund(
                    channel_id,
                    f"p-{tid}",
                    back,
                    transfer_id=f"r-{tid}",
                    involuntary=True,
                )
                with bank.lock:
                    bank.refunded[member] += back
    finally:
        connections.close_all()


def test_bank(bank_server, committed_db):
    channel_id = ledger_support.make_program(quota=QUOTA, webhook=False)
    program = services.program_for_channel(channel_id)
    api = ChannelApi(program.channel.slug, program.api_secret, bank_server.base_url)
    bank = Bank()
    deadline = time.monotonic() + 50
    stop = threading.Event()

    def killer():
        time.sleep(2.0)
        victims = _worker_pids(bank_server.process.pid)
        assert victims, "no gunicorn worker found"
        os.kill(victims[0], signal.SIGKILL)

    started = time.monotonic()
    with ThreadPoolExecutor(CLIENTS + 8 + 1) as pool:
        redeemers = [
            pool.submit(_redeemer, n, channel_id, bank, stop) for n in range(8)
        ]
        kill = pool.submit(killer)
        try:
            clients = [
                pool.submit(_client, n, api, bank, deadline) for n in range(CLIENTS)
            ]
            for client in clients:
                client.result()
        finally:
            stop.set()
        for redeemer in redeemers:
            redeemer.result()
        kill.result()
    elapsed = time.monotonic() - started

    # Every account equals the sum of its transfers; no flag broken.
    assert services.audit() == []

    # Each key: one effect, and every answer to it the same bytes.
    granted = revoked = 0
    granted_to = defaultdict(int)
    for key, answers in bank.answers.items():
        assert len({a for a in answers}) == 1, (key, answers)
        status, _ = answers[0]
        kind, member, points = bank.requests[key]
        effects = PointsTransfer.objects.filter(
            channel_id=channel_id, transfer_id=api_requests.transfer_id_for(key), leg=0
        ).count()
        assert effects == (1 if status == 201 else 0), (key, status, effects)
        # 402: quota or balance short; 404: revoking from a member not granted yet
        assert status in (201, 402, 404), (key, answers)
        if status == 201:
            if kind == "grant":
                granted += points
                granted_to[member] += points
            else:
                revoked += points
                granted_to[member] -= points
    assert len(bank.answers) == len(bank.requests)

    quota = services.quota_status(channel_id)
    assert quota.quota == QUOTA
    assert quota.granted == granted - revoked
    assert quota.quota == quota.granted + quota.remaining
    assert quota.remaining >= 0 and quota.held == 0
    total_redeemed = sum(bank.redeemed.values()) - sum(bank.refunded.values())
    assert quota.redeemed == total_redeemed
    assert quota.redeemed <= quota.granted <= QUOTA
    demand = sum(p for k, m, p in bank.requests.values() if k == "grant")
    assert demand > QUOTA  # the quota really was below the demand

    for member in MEMBERS:
        try:
            balance = services.balance(channel_id, member)
        except PointsError:
            assert granted_to[member] == 0
            continue
        assert balance.available >= 0 and balance.held == 0
        expected = granted_to[member] - bank.redeemed[member] + bank.refunded[member]
        assert balance.available == expected, member

    print(
        f"bank: {len(bank.answers)} keys, {sum(len(a) for a in bank.answers.values())}"
        f" answers, granted {granted} revoked {revoked}, redeemed "
        f"{sum(bank.redeemed.values())} refunded {sum(bank.refunded.values())}, "
        f"{elapsed:.1f} s"
    )
    assert elapsed < 60

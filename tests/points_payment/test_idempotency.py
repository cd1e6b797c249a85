"""Idempotency records under real concurrency (threads, each with its own
PostgreSQL connection, on committed rows): one attempt owns a key, the others
wait (409) or replay the first answer byte for byte; a dead attempt is taken
over; only the owner's effect commits."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone

from plugins.points_payment import api_requests
from plugins.points_payment.api_errors import ApiRefusal
from plugins.points_payment.models import ApiNonce, IdempotencyRecord

from .conftest import new_channel


@pytest.mark.django_db
def test_on_the_test_database():
    # pytest-django creates the test database only for a collected test
    # marked django_db; the module fixture below checks it is that one.
    assert connection.settings_dict["NAME"].startswith("test_")


@pytest.fixture(scope="module")
def committed_channel(django_db_setup, django_db_blocker):
    """A channel committed for the whole module (threads see it); its rows
    are removed at the end."""
    with django_db_blocker.unblock():
        assert connection.settings_dict["NAME"].startswith("test_")
        channel = new_channel()
        try:
            yield channel
        finally:
            IdempotencyRecord.objects.filter(channel=channel).delete()
            ApiNonce.objects.filter(channel=channel).delete()
            channel.delete()
            connections.close_all()


def _in_thread(fn):
    def run(*args):
        try:
            return fn(*args)
        finally:
            connections.close_all()

    return run


def _outcome(result):
    if isinstance(result, api_requests.Claim):
        return "claim"
    if isinstance(result, api_requests.StoredResponse):
        return "replay"
    return result


def _claim(channel, key, fingerprint="fp"):
    try:
        return api_requests.claim(channel.pk, key, fingerprint)
    except ApiRefusal as refused:
        return refused.code


def test_one_attempt_owns_a_key_among_many(committed_channel, django_db_blocker):
    with django_db_blocker.unblock():
        barrier = threading.Barrier(16)

        @_in_thread
        def attempt(_):
            barrier.wait()
            return _claim(committed_channel, "herd-key")

        with ThreadPoolExecutor(16) as pool:
            results = list(pool.map(attempt, range(16)))
        claims = [r for r in results if isinstance(r, api_requests.Claim)]
        assert len(claims) == 1, results
        assert (
            sorted(_outcome(r) for r in results if r is not claims[0])
            == ["idempotency_key_in_use"] * 15
        )

        body = b'{"id":"t-1","points":5}'
        stored = api_requests.run_claimed(
            claims[0], lambda: (201, "application/json", body)
        )
        assert (stored.status, stored.body) == (201, body)

        @_in_thread
        def retry(_):
            return _claim(committed_channel, "herd-key")

        with ThreadPoolExecutor(8) as pool:
            replays = list(pool.map(retry, range(8)))
        assert all(isinstance(r, api_requests.StoredResponse) for r in replays)
        assert {(r.status, r.content_type, r.body) for r in replays} == {
            (201, "application/json", body)
        }
        # The same key with another request: 422, whatever state it is in.
        assert (
            _claim(committed_channel, "herd-key", "other") == "idempotency_key_reused"
        )


def test_a_dead_attempt_is_taken_over_and_cannot_commit_late(
    committed_channel, django_db_blocker
):
    with django_db_blocker.unblock():
        first = _claim(committed_channel, "dead-key")
        assert isinstance(first, api_requests.Claim)
        assert _claim(committed_channel, "dead-key") == "idempotency_key_in_use"
        IdempotencyRecord.objects.filter(pk=first.record_id).update(
            attempt_started_at=timezone.now() - timedelta(hours=1)
        )
        second = _claim(committed_channel, "dead-key")
        assert isinstance(second, api_requests.Claim)
        assert second.attempt != first.attempt
        ran = []
        with pytest.raises(ApiRefusal) as late:
            api_requests.run_claimed(first, lambda: ran.append(1) or (201, "x", b"1"))
        assert late.value.code == "idempotency_key_in_use"
        assert ran == []
        stored = api_requests.run_claimed(second, lambda: (201, "x", b"2"))
        assert stored.body == b"2"
        assert isinstance(
            _claim(committed_channel, "dead-key"), api_requests.StoredResponse
        )


def test_a_slow_attempt_that_looks_dead_is_waited_for_not_doubled(
    committed_channel, django_db_blocker
):
    """The attempt is alive (it holds its record) when a retry finds it stale:
    the takeover waits for it, then replays its answer."""
    with django_db_blocker.unblock():
        owner = _claim(committed_channel, "slow-key")
        working = threading.Event()
        effects = []

        # It looks dead (started an hour ago) but is running.
        IdempotencyRecord.objects.filter(pk=owner.record_id).update(
            attempt_started_at=timezone.now() - timedelta(hours=1)
        )

        def slow_effect():
            working.set()
            time.sleep(1.0)
            effects.append("first")
            return 201, "application/json", b"first"

        @_in_thread
        def run_owner():
            return api_requests.run_claimed(owner, slow_effect)

        with ThreadPoolExecutor(2) as pool:
            running = pool.submit(run_owner)
            assert working.wait(10)
            # The retry finds it stale, and its takeover waits on the lock.
            retry = pool.submit(
                _in_thread(lambda: _claim(committed_channel, "slow-key"))
            )
            assert running.result(20).body == b"first"
            outcome = retry.result(20)
        assert _outcome(outcome) == "replay", outcome
        assert outcome.body == b"first"
        assert effects == ["first"]
        assert _outcome(_claim(committed_channel, "slow-key")) == "replay"


def test_a_released_key_runs_afresh(committed_channel, django_db_blocker):
    with django_db_blocker.unblock():
        owner = _claim(committed_channel, "released-key")
        with pytest.raises(RuntimeError):
            api_requests.run_claimed(
                owner, lambda: (_ for _ in ()).throw(RuntimeError())
            )
        api_requests.release(owner)
        again = _claim(committed_channel, "released-key", "another body is fine now")
        assert isinstance(again, api_requests.Claim)


def test_purge_forgets_old_records_and_nonces(committed_channel, django_db_blocker):
    with django_db_blocker.unblock():
        now = timezone.now()
        old = IdempotencyRecord.objects.create(
            channel=committed_channel,
            key="old",
            fingerprint="f",
            created_at=now - timedelta(hours=25),
        )
        young = IdempotencyRecord.objects.create(
            channel=committed_channel,
            key="young",
            fingerprint="f",
            created_at=now - timedelta(hours=23),
        )
        ApiNonce.objects.create(
            channel=committed_channel,
            nonce="n-old-000",
            expires_at=now - timedelta(seconds=1),
        )
        ApiNonce.objects.create(
            channel=committed_channel,
            nonce="n-new-000",
            expires_at=now + timedelta(seconds=60),
        )
        api_requests.purge_expired(now)
        assert not IdempotencyRecord.objects.filter(pk=old.pk).exists()
        assert IdempotencyRecord.objects.filter(pk=young.pk).exists()
        assert list(
            ApiNonce.objects.filter(channel=committed_channel).values_list(
                "nonce", flat=True
            )
        ) == ["n-new-000"]

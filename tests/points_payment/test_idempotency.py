"""Idempotency records under real concurrency (threads, each with its own
PostgreSQL connection, on committed rows): one transaction owns a key, the
others get 409 while it runs and replay its answer byte for byte after; a
transaction that does not commit leaves nothing behind."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, connections, transaction
from django.utils import timezone

from plugins.points_payment import api_callers, api_idempotency
from plugins.points_payment.api_errors import ApiRefusal
from plugins.points_payment.models import ApiNonce, IdempotencyRecord
from plugins.points_payment.records import ProgramState

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


def _caller(channel) -> api_callers.Caller:
    """A verified caller with a fresh nonce (what ``verify`` returns)."""
    return api_callers.Caller(
        channel_id=channel.pk,
        channel_slug=channel.slug,
        program=ProgramState(channel_id=channel.pk, enabled=True, mode="allowance"),
        nonce=uuid.uuid4().hex,
        nonce_expires_at=timezone.now() + timedelta(minutes=6),
    )


def _outcome(opened: api_idempotency.OpenedKey):
    if opened.stored is not None:
        return "replay"
    if opened.refusal is not None:
        return opened.refusal.code
    return "owner"


def _once(channel, key, fingerprint="fp", answer=None):
    """One request's transaction: open the key; as its owner, store
    ``answer`` (if given) and commit."""
    with transaction.atomic():
        opened = api_idempotency.open_key(_caller(channel), key, fingerprint)
        if answer is not None and _outcome(opened) == "owner":
            api_idempotency.store_answer(channel.pk, key, fingerprint, *answer)
    return opened


def test_one_attempt_owns_a_key_among_many(committed_channel, django_db_blocker):
    with django_db_blocker.unblock():
        herd = 16
        barrier = threading.Barrier(herd)
        others_answered = threading.Semaphore(0)
        body = b'{"id":"t-1","points":5}'

        @_in_thread
        def attempt(_):
            barrier.wait()
            with transaction.atomic():
                opened = api_idempotency.open_key(
                    _caller(committed_channel), "herd-key", "fp"
                )
                if _outcome(opened) != "owner":
                    others_answered.release()
                    return _outcome(opened)
                # The owner's transaction stays open until every other
                # attempt has had its answer.
                for _ in range(herd - 1):
                    assert others_answered.acquire(timeout=20)
                api_idempotency.store_answer(
                    committed_channel.pk,
                    "herd-key",
                    "fp",
                    201,
                    "application/json",
                    body,
                )
                return "owner"

        with ThreadPoolExecutor(herd) as pool:
            results = list(pool.map(attempt, range(herd)))
        assert sorted(results) == ["idempotency_key_in_use"] * (herd - 1) + ["owner"]

        @_in_thread
        def retry(_):
            return _once(committed_channel, "herd-key")

        with ThreadPoolExecutor(8) as pool:
            replays = list(pool.map(retry, range(8)))
        assert {
            (r.stored.status, r.stored.content_type, r.stored.body) for r in replays
        } == {(201, "application/json", body)}
        # The same key with another request: 422.
        assert _outcome(_once(committed_channel, "herd-key", "other")) == (
            "idempotency_key_reused"
        )


def test_a_failed_attempt_leaves_nothing_and_the_key_runs_afresh(
    committed_channel, django_db_blocker
):
    """A request whose transaction does not commit (an error on our side,
    or its worker killed) stores neither its effect nor an answer."""
    with django_db_blocker.unblock():
        caller = _caller(committed_channel)
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                opened = api_idempotency.open_key(caller, "failed-key", "fp")
                assert _outcome(opened) == "owner"
                raise RuntimeError("the worker died")
        assert not IdempotencyRecord.objects.filter(key="failed-key").exists()
        assert not ApiNonce.objects.filter(nonce=caller.nonce).exists()
        again = _once(committed_channel, "failed-key", "another body", (201, "x", b"2"))
        assert _outcome(again) == "owner"
        assert _once(committed_channel, "failed-key", "another body").stored.body == (
            b"2"
        )


def test_a_running_attempt_is_409_then_replayed(committed_channel, django_db_blocker):
    with django_db_blocker.unblock():
        working, done = threading.Event(), threading.Event()

        @_in_thread
        def slow_owner():
            with transaction.atomic():
                opened = api_idempotency.open_key(
                    _caller(committed_channel), "slow-key", "fp"
                )
                working.set()
                assert done.wait(20)
                api_idempotency.store_answer(
                    committed_channel.pk, "slow-key", "fp", 201, "x", b"first"
                )
            return _outcome(opened)

        with ThreadPoolExecutor(1) as pool:
            running = pool.submit(slow_owner)
            assert working.wait(10)
            assert _outcome(_once(committed_channel, "slow-key")) == (
                "idempotency_key_in_use"
            )
            # Another body while it runs: in use too (422 once it answered).
            assert _outcome(_once(committed_channel, "slow-key", "other")) == (
                "idempotency_key_in_use"
            )
            done.set()
            assert running.result(20) == "owner"
        assert _once(committed_channel, "slow-key").stored.body == b"first"
        assert _outcome(_once(committed_channel, "slow-key", "other")) == (
            "idempotency_key_reused"
        )


def test_a_second_stored_answer_meets_the_unique_key(
    committed_channel, django_db_blocker
):
    with django_db_blocker.unblock():
        assert _outcome(_once(committed_channel, "twice", answer=(201, "x", b"1")))
        with pytest.raises(IntegrityError):
            with transaction.atomic():
                api_idempotency.store_answer(
                    committed_channel.pk, "twice", "fp", 201, "x", b"2"
                )
        assert _once(committed_channel, "twice").stored.body == b"1"


def test_a_used_nonce_is_refused_and_changes_nothing(
    committed_channel, django_db_blocker
):
    with django_db_blocker.unblock():
        caller = _caller(committed_channel)
        api_callers.use_nonce(caller)
        with pytest.raises(ApiRefusal) as refused:
            with transaction.atomic():
                api_idempotency.open_key(caller, "nonce-key", "fp")
        assert refused.value.code == "nonce_reused"
        assert _outcome(_once(committed_channel, "nonce-key")) == "owner"


def test_an_in_flight_record_of_the_earlier_scheme(
    committed_channel, django_db_blocker
):
    """Records of the two-transaction scheme: a recent in-flight one is 409,
    a stale one (its worker died) is dropped and the key runs afresh."""
    with django_db_blocker.unblock():
        IdempotencyRecord.objects.create(
            channel=committed_channel, key="legacy", fingerprint="fp"
        )
        assert _outcome(_once(committed_channel, "legacy")) == "idempotency_key_in_use"
        IdempotencyRecord.objects.filter(key="legacy").update(
            attempt_started_at=timezone.now() - timedelta(hours=1)
        )
        assert _outcome(_once(committed_channel, "legacy", answer=(200, "x", b"ok")))
        assert _once(committed_channel, "legacy").stored.body == b"ok"


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
        api_idempotency.purge_expired(now)
        assert not IdempotencyRecord.objects.filter(pk=old.pk).exists()
        assert IdempotencyRecord.objects.filter(pk=young.pk).exists()
        left = set(
            ApiNonce.objects.filter(channel=committed_channel).values_list(
                "nonce", flat=True
            )
        )
        assert "n-new-000" in left and "n-old-000" not in left

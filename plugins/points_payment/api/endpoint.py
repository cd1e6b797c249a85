"""One wrapper for every channel API view: method check, authentication,
the Idempotency-Key of a POST, error rendering. Views stay a translation of
the request into one service call."""

from __future__ import annotations

import logging
from functools import wraps
from typing import Callable, Optional, Tuple

from django.db import IntegrityError, transaction
from django.views.decorators.csrf import csrf_exempt

from .. import api_callers, api_idempotency
from ..api_errors import ApiErrorCode, ApiRefusal, ErrorType, ledger_refusal
from ..request_signing import (
    CHANNEL_HEADER,
    NONCE_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
)
from . import rendering

logger = logging.getLogger(__name__)

AUTH_HEADERS = (CHANNEL_HEADER, TIMESTAMP_HEADER, NONCE_HEADER, SIGNATURE_HEADER)
Rendered = Tuple[int, str, bytes]


def path_with_query(request) -> str:
    """The path and query exactly as the request line sent them (what the
    client signed): gunicorn's RAW_URI, else Django's rebuilt full path."""
    raw = request.META.get("RAW_URI")
    if raw:
        if "://" in raw:  # absolute-form request target
            raw = "/" + raw.split("://", 1)[1].partition("/")[2]
        return raw
    return request.get_full_path()


def _method_not_allowed(allowed: str) -> ApiRefusal:
    return ApiRefusal(
        405,
        ErrorType.INVALID_REQUEST,
        ApiErrorCode.METHOD_NOT_ALLOWED,
        f"Use {allowed} on this endpoint.",
    )


def _not_allowed(allowed: str):
    answer = rendering.refusal_response(_method_not_allowed(allowed))
    answer["Allow"] = allowed
    return answer


def _internal_error() -> ApiRefusal:
    return ApiRefusal(
        500,
        ErrorType.API,
        ApiErrorCode.INTERNAL_ERROR,
        "Something went wrong on our side; nothing was changed. Retry with the "
        "same Idempotency-Key.",
    )


def _ledger_call(call: Callable[[], Rendered]) -> Rendered:
    """Run a ledger use case in a savepoint; a ledger refusal becomes its
    typed error (and undoes the use case's writes, nothing else)."""
    from ..errors import PointsError

    try:
        with transaction.atomic():
            return call()
    except PointsError as refused:
        return rendering.refusal_rendered(
            ledger_refusal(refused.code, refused.message, refused.param)
        )
    except ApiRefusal as refused:
        return rendering.refusal_rendered(refused)


class _Refused(Exception):
    """A POST's effect was refused (typed): its transaction is rolled back,
    and the refusal is stored as the key's answer in a new one."""

    def __init__(self, answer: Rendered):
        super().__init__()
        self.answer = answer


def _effect_answer(effect: Callable[[], Rendered]) -> Rendered:
    from ..errors import PointsError

    try:
        return effect()
    except PointsError as refused:
        answer = ledger_refusal(refused.code, refused.message, refused.param)
    except ApiRefusal as refused:
        answer = refused
    raise _Refused(rendering.refusal_rendered(answer))


class _AnswerTaken(Exception):
    """Another attempt stored an answer for the key first: replay it."""


def _run_post(request, key: str, prepare, kwargs) -> Tuple[Rendered, bool]:
    """The answer to a POST and whether it is a replay, in one transaction:
    authentication with nonce and key (``open_post``), the body's checks,
    the effect, the stored answer, one commit.

    A refusal of the authentication rolls back (no nonce used); of the body,
    commits the nonce only. A typed refusal of the effect rolls its writes
    back and is stored as the answer in a second transaction; if another
    attempt stored an answer first, the next turn replays it.
    """
    path = path_with_query(request)
    fingerprint = api_idempotency.fingerprint(request.method, path, request.body)
    headers = api_callers.headers_of(request.META, AUTH_HEADERS)
    refusal: Optional[Rendered] = None
    for _ in range(3):
        try:
            with transaction.atomic():
                caller, opened = api_idempotency.open_post(
                    headers, request.method, path, request.body, key, fingerprint
                )
                request.points_caller = caller  # for _spend_nonce
                try:
                    effect = prepare(
                        request, caller, api_idempotency.transfer_id_for(key), **kwargs
                    )
                except ApiRefusal as bad_request:
                    return rendering.refusal_rendered(bad_request), False
                if opened.stored is not None:
                    stored = opened.stored
                    return (stored.status, stored.content_type, stored.body), True
                if opened.refusal is not None:
                    return rendering.refusal_rendered(opened.refusal), False
                answer = refusal if refusal is not None else _effect_answer(effect)
                try:
                    api_idempotency.store_answer(
                        caller.channel_id, key, fingerprint, *answer
                    )
                except IntegrityError:
                    raise _AnswerTaken() from None
            return answer, False
        except _Refused as refused:
            refusal = refused.answer
        except _AnswerTaken:
            continue
    raise api_idempotency.in_use()


def _caller(request):
    return api_callers.authenticate(
        api_callers.headers_of(request.META, AUTH_HEADERS),
        request.method,
        path_with_query(request),
        request.body,
    )


def channel_get(view):
    """A GET endpoint: ``view(request, caller, **kwargs) -> Rendered``."""

    @csrf_exempt
    @wraps(view)
    def endpoint(request, **kwargs):
        try:
            if request.method != "GET":
                return _not_allowed("GET")
            caller = _caller(request)
            return rendering.response(
                *_ledger_call(lambda: view(request, caller, **kwargs))
            )
        except ApiRefusal as refused:
            return rendering.refusal_response(refused)
        except Exception:
            logger.exception("channel API %s failed", request.path)
            return rendering.refusal_response(_internal_error())

    return endpoint


def channel_post(prepare):
    """A POST endpoint with an Idempotency-Key.

    ``prepare(request, caller, transfer_id, **kwargs)`` validates the body
    (raising ApiRefusal 400) and returns the effect: a function returning the
    response. The effect runs once per key, in one transaction with the
    request's nonce and the stored answer (``_run_post``); retries replay
    that answer byte for byte.
    """

    @csrf_exempt
    @wraps(prepare)
    def endpoint(request, **kwargs):
        try:
            if request.method != "POST":
                return _not_allowed("POST")
            try:
                key = api_idempotency.check_idempotency_key(
                    request.META.get("HTTP_IDEMPOTENCY_KEY")
                )
            except ApiRefusal:
                _caller(request)  # an authentication refusal comes first
                raise
            answer, replayed = _run_post(request, key, prepare, kwargs)
        except ApiRefusal as refused:
            return rendering.refusal_response(refused)
        except Exception:
            logger.exception("channel API %s failed", request.path)
            _spend_nonce(getattr(request, "points_caller", None))
            return rendering.refusal_response(_internal_error())
        if replayed:
            return rendering.response(*answer, Idempotent_Replayed="true")
        return rendering.response(*answer)

    return endpoint


def _spend_nonce(caller) -> None:
    """After a failure on our side (its transaction rolled back): the
    request's nonce still counts as used."""
    if caller is None:
        return
    try:
        api_callers.use_nonce(caller)
    except Exception:  # already stored, or the database is what failed
        pass

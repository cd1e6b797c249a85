"""One wrapper for every channel API view: method check, authentication,
the Idempotency-Key of a POST, error rendering. Views stay a translation of
the request into one service call."""

from __future__ import annotations

import logging
from functools import wraps
from typing import Callable, Tuple

from django.db import transaction
from django.views.decorators.csrf import csrf_exempt

from .. import api_requests
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


def _caller(request):
    return api_requests.authenticate(
        api_requests.headers_of(request.META, AUTH_HEADERS),
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
    stored answer; retries replay that answer byte for byte.
    """

    @csrf_exempt
    @wraps(prepare)
    def endpoint(request, **kwargs):
        try:
            if request.method != "POST":
                return _not_allowed("POST")
            caller = _caller(request)
            key = api_requests.check_idempotency_key(
                request.META.get("HTTP_IDEMPOTENCY_KEY")
            )
            effect = prepare(
                request, caller, api_requests.transfer_id_for(key), **kwargs
            )
            fingerprint = api_requests.fingerprint(
                request.method, path_with_query(request), request.body
            )
            owned = api_requests.claim(caller.channel_id, key, fingerprint)
            if isinstance(owned, api_requests.StoredResponse):
                return rendering.response(
                    owned.status,
                    owned.content_type,
                    owned.body,
                    Idempotent_Replayed="true",
                )
        except ApiRefusal as refused:
            return rendering.refusal_response(refused)
        except Exception:
            logger.exception("channel API %s failed", request.path)
            return rendering.refusal_response(_internal_error())
        try:
            stored = api_requests.run_claimed(owned, lambda: _ledger_call(effect))
        except ApiRefusal as refused:
            return rendering.refusal_response(refused)
        except Exception:
            logger.exception("channel API %s failed", request.path)
            api_requests.release(owned)
            return rendering.refusal_response(_internal_error())
        return rendering.response(stored.status, stored.content_type, stored.body)

    return endpoint

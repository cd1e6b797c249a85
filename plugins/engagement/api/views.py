"""``POST /events/v1/batch``: storefront events with a write-only key.

The key comes in ``X-Flash-Key`` or as ``api_key`` in the body (a
``navigator.sendBeacon`` on page leave cannot set headers); a member's Saleor
JWT in ``Authorization: JWT <token>`` (or ``member_token`` in the body).
Answers 202 once the events are in Redis; a Celery task writes them to
PostgreSQL. Errors: ``{"error": {"type", "code", "message", "param"}}``.
No sessions, no cookies, CSRF-exempt; any origin may post (the key only
writes).
"""

from __future__ import annotations

import json
import logging

import redis
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from plugins.core.rate_limit import client_address

from ..domain import MAX_BATCH_BYTES
from ..ingestion import (
    BatchError,
    IngestRefused,
    accept_batch,
    check_rate,
    grant_for_key,
    member_email_of_token,
)

logger = logging.getLogger(__name__)

ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    405: "invalid_request_error",
    413: "invalid_request_error",
    429: "rate_limit_error",
    503: "api_error",
}


def _cors(response):
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Allow-Methods"] = "POST, OPTIONS"
    response["Access-Control-Allow-Headers"] = (
        "Content-Type, Authorization, X-Flash-Key"
    )
    response["Access-Control-Max-Age"] = "86400"
    response["Cache-Control"] = "no-store"
    return response


def _error(status: int, code: str, message: str, param: str = "") -> JsonResponse:
    return _cors(
        JsonResponse(
            {
                "error": {
                    "type": ERROR_TYPES.get(status, "api_error"),
                    "code": code,
                    "message": message,
                    "param": param or None,
                }
            },
            status=status,
        )
    )


def _member_token(request, body: dict) -> str:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    prefix, _, token = header.partition(" ")
    if prefix in ("JWT", "Bearer") and token.strip():
        return token.strip()
    token = body.get("member_token")
    return token if isinstance(token, str) else ""


@csrf_exempt
def event_batch(request):
    if request.method == "OPTIONS":
        return _cors(HttpResponse(status=204))
    if request.method != "POST":
        return _error(405, "method_not_allowed", "POST a JSON batch.")
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > MAX_BATCH_BYTES:
        return _error(413, "batch_too_large", "At most 64 KB a batch.", "body")
    raw = request.body
    if len(raw) > MAX_BATCH_BYTES:
        return _error(413, "batch_too_large", "At most 64 KB a batch.", "body")
    try:
        body = json.loads(raw)
    except ValueError:
        return _error(400, "invalid_json", "The body is not JSON.", "body")
    if not isinstance(body, dict):
        return _error(400, "invalid", "The body is a JSON object.", "body")
    public_key = request.META.get("HTTP_X_FLASH_KEY") or body.get("api_key") or ""
    if not isinstance(public_key, str) or not public_key:
        return _error(401, "missing_key", "Send the write key.", "api_key")
    now = timezone.now()
    try:
        check_rate(public_key[:64], client_address(request))
        grant = grant_for_key(public_key)
        if grant is None:
            raise IngestRefused(
                401, "invalid_key", "Unknown or revoked key.", "api_key"
            )
        token = _member_token(request, body)
        member_email = member_email_of_token(token) if token else ""
        accepted = accept_batch(body, grant, member_email, now)
    except IngestRefused as refused:
        return _error(refused.status, refused.code, refused.message, refused.param)
    except BatchError as error:
        return _error(400, error.code, error.message, error.param)
    except redis.RedisError as error:
        logger.warning("events not queued (Redis: %s)", error)
        return _error(503, "unavailable", "Try again shortly.")
    if accepted.drain_requested:
        _request_drain()
    return _cors(
        JsonResponse(
            {
                "received": accepted.received,
                "queued": accepted.queued,
                "duplicates": accepted.duplicates,
            },
            status=202,
        )
    )


def _request_drain() -> None:
    from ..tasks import drain_events_task

    try:
        drain_events_task.delay()
    except Exception as error:  # the beat's sweep drains what this misses
        logger.warning("drain task not sent (%s); the beat sweeps", error)

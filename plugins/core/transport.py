"""Outbound HTTP (the only module that makes HTTP calls): sending one outbox
message (a signed webhook POST or an e-mail through Django's mail settings;
None when sent, else the error's text) and fetching a small JSON answer
(``fetch_json``, e.g. a channel's balance URL)."""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from typing import Any, Dict, Optional, Tuple

from django.conf import settings
from django.core.mail import EmailMessage

from . import signing
from .models import OutboxMessage

logger = logging.getLogger(__name__)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is a failed attempt: urllib would replay a POST as a GET
    without the body (and the signature would go to another host)."""

    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def send(message: OutboxMessage) -> Optional[str]:
    try:
        if message.kind == OutboxMessage.WEBHOOK:
            return post_webhook(message)
        if message.kind == OutboxMessage.EMAIL:
            return send_email(message)
        return f"unknown kind {message.kind!r}"
    except Exception as error:  # any failure is one failed attempt, retried
        logger.warning("outbox %s %s failed: %r", message.kind, message.event_id, error)
        return f"{type(error).__name__}: {error}"


def post_webhook(message: OutboxMessage) -> Optional[str]:
    body = message.body.encode("utf-8")
    request = urllib.request.Request(
        message.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "Saleor-Flash-Outbox/1",
            signing.EVENT_TYPE_HEADER: message.event_type,
            signing.EVENT_ID_HEADER: str(message.event_id),
            # Signed at each attempt: the timestamp is the sending time.
            signing.SIGNATURE_HEADER: signing.sign(body, message.secrets),
        },
    )
    timeout = float(getattr(settings, "FLASH_OUTBOX_TIMEOUT_SECONDS", 10))
    try:
        with _opener.open(request, timeout=timeout) as response:
            if 200 <= response.status < 300:
                return None
            return f"HTTP {response.status}"
    except urllib.error.HTTPError as error:
        return f"HTTP {error.code}"


def send_email(message: OutboxMessage) -> Optional[str]:
    EmailMessage(
        subject=message.subject,
        body=message.body,
        from_email=message.from_email or settings.DEFAULT_FROM_EMAIL,
        to=list(message.recipients),
        headers={"X-Flash-Event-Id": str(message.event_id)},
    ).send(fail_silently=False)
    return None


MAX_JSON_ANSWER_BYTES = 64 * 1024


def fetch_json(
    url: str, headers: Dict[str, str], timeout: float
) -> Tuple[Optional[Any], Optional[str]]:
    """GET ``url``: ``(parsed JSON, None)`` on a 2xx JSON answer, else
    ``(None, why)``. Never raises: a refused connection, a timeout, a
    redirect (not followed), another status, an answer over 64 KiB or one
    that is not JSON is each a reason."""
    request = urllib.request.Request(
        url,
        method="GET",
        headers={
            "Accept": "application/json",
            "User-Agent": "Saleor-Flash/1",
            **headers,
        },
    )
    try:
        with _opener.open(request, timeout=timeout) as response:
            if not 200 <= response.status < 300:
                return None, f"HTTP {response.status}"
            body = response.read(MAX_JSON_ANSWER_BYTES + 1)
    except urllib.error.HTTPError as error:
        return None, f"HTTP {error.code}"
    except Exception as error:  # refused, timed out, DNS, TLS: all one failure
        return None, f"{type(error).__name__}: {error}"
    if len(body) > MAX_JSON_ANSWER_BYTES:
        return None, "answer too large"
    try:
        return json.loads(body.decode("utf-8")), None
    except (UnicodeDecodeError, ValueError):
        return None, "answer is not JSON"

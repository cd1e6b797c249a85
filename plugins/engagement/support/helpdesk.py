"""Help-desk hand-off (when ``FLASH_HELPDESK_URL`` is set).

Out: each new request, each buyer follow-up and each status change made here
is written to the core outbox in the transaction that made it, as a signed
webhook (``X-Flash-Signature: t=..,v1=..``) carrying a Zendesk-compatible
ticket (requester, subject, comment, external_id = our request id, tags). The
outbox retries for three days: nothing is lost while the help desk or the
Celery worker is down.

In: the help desk reports status changes on ``POST /support/v1/helpdesk-webhook``,
signed the same way with ``FLASH_HELPDESK_INBOUND_SECRET``; the signature and
its timestamp (±300 s) are checked, and an event id is accepted once.

Without a help desk nothing is sent: the console inbox is the whole service.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Dict, List, Optional

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from plugins.core import outbox, signing

from ..models import HelpdeskInboundEvent, SupportMessage, SupportRequest
from .domain import (
    OUR_STATUS_IN_HELPDESK,
    Author,
    RequestStatus,
    SupportRefusal,
    TicketFacts,
    clean_text,
    status_from_helpdesk,
    ticket,
)

TICKET_CREATED = "support.ticket.created"
TICKET_COMMENTED = "support.ticket.commented"
TICKET_UPDATED = "support.ticket.updated"


def _secrets(name: str) -> List[str]:
    raw = getattr(settings, name, "") or ""
    return [part.strip() for part in raw.split(",") if part.strip()]


def configured() -> bool:
    return bool(getattr(settings, "FLASH_HELPDESK_URL", "")) and bool(
        _secrets("FLASH_HELPDESK_SECRET")
    )


def inbound_secrets() -> List[str]:
    return _secrets("FLASH_HELPDESK_INBOUND_SECRET") or _secrets(
        "FLASH_HELPDESK_SECRET"
    )


def _send(event_type: str, payload: Dict[str, Any]) -> None:
    outbox.enqueue_webhook(
        settings.FLASH_HELPDESK_URL,
        _secrets("FLASH_HELPDESK_SECRET"),
        event_type,
        payload,
    )


def forward_new(request: SupportRequest, facts: TicketFacts) -> bool:
    """Hand a new request to the help desk (in the caller's transaction)."""
    if not configured():
        return False
    _send(TICKET_CREATED, {"ticket": ticket(facts)})
    request.forwarded_at = timezone.now()
    request.save(update_fields=["forwarded_at"])
    return True


def forward_comment(request: SupportRequest, body: str, public: bool = True) -> bool:
    if not configured() or request.forwarded_at is None:
        return False
    _send(
        TICKET_COMMENTED,
        {
            "ticket": {
                "external_id": str(request.pk),
                "id": request.helpdesk_ticket_id or None,
                "comment": {"body": body, "public": public},
            }
        },
    )
    return True


def forward_status(request: SupportRequest) -> bool:
    if not configured() or request.forwarded_at is None:
        return False
    _send(
        TICKET_UPDATED,
        {
            "ticket": {
                "external_id": str(request.pk),
                "id": request.helpdesk_ticket_id or None,
                "status": OUR_STATUS_IN_HELPDESK[RequestStatus(request.status)],
            }
        },
    )
    return True


class InboundRefused(Exception):
    """An inbound webhook refused; ``status`` is the HTTP status to answer."""

    def __init__(self, status: int, code: str, message: str, param: str = ""):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.param = param


@dataclass(frozen=True)
class InboundResult:
    request_id: int
    status: str
    changed: bool


def _payload(body: bytes) -> Dict[str, Any]:
    try:
        payload = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise InboundRefused(400, "invalid_json", "The body is not JSON.") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("ticket"), dict):
        raise InboundRefused(
            400, "invalid", "The body needs a ticket object.", "ticket"
        )
    return payload


def receive(
    body: bytes, signature: str, event_id_header: str, now: Optional[float] = None
) -> InboundResult:
    """Verify and apply one inbound help-desk event.

    The body: ``{"event_id": "...", "ticket": {"external_id": "<our id>",
    "status": "open|pending|hold|solved|closed|new", "id": "<their ticket
    id>", "comment": {"body": "...", "public": true}}}`` (event id also or
    instead in ``X-Flash-Event-Id``). Raises InboundRefused: 401 for a bad or
    stale signature, 409 for a replayed event id, 400/404 for bad content.
    """
    secrets = inbound_secrets()
    if not secrets:
        raise InboundRefused(404, "not_configured", "No help desk is configured.")
    try:
        signing.verify(signature or "", body, secrets, now=now)
    except signing.SignatureError as error:
        raise InboundRefused(401, f"signature_{error.code}", str(error)) from None
    payload = _payload(body)
    event_id = str(payload.get("event_id") or event_id_header or "").strip()
    if not event_id or len(event_id) > 128:
        raise InboundRefused(400, "invalid", "An event id is required.", "event_id")
    data = payload["ticket"]
    external_id = str(data.get("external_id") or "")
    if not external_id.isdigit():
        raise InboundRefused(
            404,
            "not_found",
            "ticket.external_id names no request.",
            "ticket.external_id",
        )
    try:
        status = status_from_helpdesk(data["status"]) if data.get("status") else None
        comment = data.get("comment") if isinstance(data.get("comment"), dict) else {}
        comment_body = clean_text(
            comment.get("body"), "ticket.comment.body", 5000, False
        )
    except SupportRefusal as refusal:
        raise InboundRefused(
            400, refusal.code, refusal.message, refusal.field or ""
        ) from None
    ticket_id = str(data.get("id") or "")[:64]
    # Older event ids are refused by the timestamp check already.
    HelpdeskInboundEvent.objects.filter(
        received_at__lt=timezone.now() - timedelta(days=1)
    ).delete()
    with transaction.atomic():
        try:
            with transaction.atomic():
                HelpdeskInboundEvent.objects.create(event_id=event_id)
        except IntegrityError:
            raise InboundRefused(
                409, "replayed", "This event was already received."
            ) from None
        request = (
            SupportRequest.objects.select_for_update()
            .filter(pk=int(external_id))
            .first()
        )
        if request is None:
            raise InboundRefused(
                404,
                "not_found",
                "ticket.external_id names no request.",
                "ticket.external_id",
            )
        changed = False
        fields = []
        if ticket_id and ticket_id != request.helpdesk_ticket_id:
            request.helpdesk_ticket_id = ticket_id
            fields.append("helpdesk_ticket_id")
        if status is not None and status.value != request.status:
            request.status = status.value
            request.resolved_at = (
                timezone.now() if status == RequestStatus.RESOLVED else None
            )
            fields += ["status", "resolved_at"]
            changed = True
        if comment_body and comment.get("public", True):
            SupportMessage.objects.create(
                request=request, author=Author.HELPDESK.value, body=comment_body
            )
            changed = True
        if fields or changed:
            request.updated_at = timezone.now()
            request.save(update_fields=list(set(fields + ["updated_at"])))
    return InboundResult(request.pk, request.status, changed)

"""Support requests: a buyer opens one about their own order (or one shipment
of it: a provider's sub-order) or payment; staff
answer in the console inbox (the answer is e-mailed to the buyer through the
outbox) and move it through new → open → waiting → resolved; with a help desk
configured every request is also handed over (``helpdesk``)."""

from __future__ import annotations

from typing import Iterable, List, Optional

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from saleor.order.models import Order
from saleor.payment.models import Payment

from plugins.channel_pricing import services as channels
from plugins.core import outbox, rate_limit
from plugins.provider_dropship import services as dropship

from ..models import SupportMessage, SupportRequest
from . import helpdesk
from .domain import (
    MAX_MESSAGE_LENGTH,
    MAX_SUBJECT_LENGTH,
    Author,
    RequestStatus,
    ShipmentFacts,
    SupportCategory,
    SupportRefusal,
    TicketFacts,
    after_buyer_message,
    after_staff_reply,
    clean_text,
    default_subject,
    one_line,
    staff_may_set,
)

REPLY_EVENT = "support.reply"


def own_order(user, order_pk: int) -> Order:
    """The buyer's own order; NOT_FOUND for anyone else's (or none)."""
    order = Order.objects.filter(pk=order_pk, user_id=user.pk).first()
    if order is None:
        raise SupportRefusal("not_found", "No such order.", "order_id")
    return order


def own_payment(user, payment_pk: int) -> Payment:
    payment = (
        Payment.objects.filter(pk=payment_pk)
        .filter(Q(order__user_id=user.pk) | Q(checkout__user_id=user.pk))
        .select_related("order")
        .first()
    )
    if payment is None:
        raise SupportRefusal("not_found", "No such payment.", "payment_id")
    return payment


def _shipment_facts(found: dropship.ShipmentSummary) -> ShipmentFacts:
    return ShipmentFacts(
        id=found.id,
        provider_name=found.provider_name,
        status=found.status,
        carrier=found.carrier,
        tracking_number=found.tracking_number,
    )


def order_shipment(order: Optional[Order], shipment_pk: int) -> ShipmentFacts:
    """A shipment (provider_dropship's sub-order) of the buyer's own ``order``
    (checked by the caller). A shipment needs its order; one of another order
    (or none) is NOT_FOUND, as another buyer's order is."""
    if order is None:
        raise SupportRefusal(
            "required", "Name the order the shipment belongs to.", "order_id"
        )
    found = dropship.shipment_of_order(order.pk, shipment_pk)
    if found is None:
        raise SupportRefusal(
            "not_found", "No such shipment in that order.", "shipment_id"
        )
    return _shipment_facts(found)


def shipments_of(rows: Iterable) -> List:
    """``rows`` (support requests or feedback) as a list, each with
    ``.shipment``: its shipment's facts now, or None (none named, or gone)."""
    rows = list(rows)
    found = dropship.shipments_by_id(row.shipment_id for row in rows)
    for row in rows:
        summary = found.get(row.shipment_id) if row.shipment_id else None
        row.shipment = _shipment_facts(summary) if summary else None
    return rows


def order_admin_url(order_pk: int, absolute: bool = False) -> str:
    """Where staff open the order: Saleor's dashboard order page
    (``FLASH_ORDER_ADMIN_URL``, ``{id}`` = the order's GraphQL id)."""
    import graphene

    template = getattr(settings, "FLASH_ORDER_ADMIN_URL", "/dashboard/orders/{id}/")
    url = template.format(id=graphene.Node.to_global_id("Order", order_pk), pk=order_pk)
    if absolute and url.startswith("/"):
        url = (getattr(settings, "FLASH_PUBLIC_URL", "") or "").rstrip("/") + url
    return url


def _reply_address(user, email: Optional[str]) -> str:
    """The buyer's mailbox for replies: the one given, else the account's
    (a member's login in members.local is no mailbox)."""
    address = (email or "").strip()
    if not address:
        if channels.is_member_login(user.email):
            raise SupportRefusal(
                "email_required",
                "Give an e-mail address for our answer.",
                "email",
            )
        address = user.email
    try:
        validate_email(address)
    except ValidationError:
        raise SupportRefusal(
            "invalid_email", "Not a valid e-mail address.", "email"
        ) from None
    if channels.is_member_login(address):
        raise SupportRefusal("invalid_email", "Not a mailbox we can answer.", "email")
    return address.lower()


def _rate_limited(user) -> bool:
    per_hour = int(getattr(settings, "FLASH_SUPPORT_REQUESTS_PER_HOUR", 10))
    return not rate_limit.allow(
        "support-request", str(user.pk), rate_limit.Limit(per_hour, 3600)
    )


def open_request(
    user,
    category: str,
    message: str,
    order_pk: Optional[int] = None,
    payment_pk: Optional[int] = None,
    subject: Optional[str] = None,
    email: Optional[str] = None,
    shipment_pk: Optional[int] = None,
) -> SupportRequest:
    """A signed-in buyer asks for help about one of their orders (or one
    shipment of it) or payments (or in general: none). Forwarded to the help
    desk when one is set."""
    try:
        kind = SupportCategory(category)
    except ValueError:
        raise SupportRefusal("invalid", "Unknown category.", "category") from None
    body = clean_text(message, "message", MAX_MESSAGE_LENGTH, True)
    title = one_line(clean_text(subject, "subject", MAX_SUBJECT_LENGTH, False))
    address = _reply_address(user, email)
    payment = own_payment(user, payment_pk) if payment_pk else None
    order = own_order(user, order_pk) if order_pk else None
    if order is None and payment is not None and payment.order_id:
        order = payment.order
    if (
        order is not None
        and payment is not None
        and payment.order_id
        not in (
            None,
            order.pk,
        )
    ):
        raise SupportRefusal(
            "invalid", "That payment belongs to another order.", "payment_id"
        )
    shipment = order_shipment(order, shipment_pk) if shipment_pk else None
    if _rate_limited(user):
        raise SupportRefusal(
            "rate_limited", "Too many requests; please wait a little.", "message"
        )
    channel_slug = channels.member_channel_slug(user.pk)
    channel_id = (
        channels.channel_ids_by_slug([channel_slug]).get(channel_slug)
        if channel_slug
        else None
    )
    now = timezone.now()
    with transaction.atomic():
        request = SupportRequest.objects.create(
            user=user,
            order=order,
            shipment_id=shipment.id if shipment else None,
            payment=payment,
            channel_id=channel_id,
            category=kind.value,
            subject=title or default_subject(kind, order.pk if order else None),
            contact_email=address,
            contact_name=user.get_full_name() if hasattr(user, "get_full_name") else "",
            created_at=now,
            updated_at=now,
        )
        SupportMessage.objects.create(
            request=request, author=Author.BUYER.value, body=body, created_at=now
        )
        helpdesk.forward_new(
            request,
            TicketFacts(
                request_id=str(request.pk),
                requester_name=request.contact_name,
                requester_email=address,
                subject=request.subject,
                body=body,
                category=kind,
                channel_slug=channel_slug,
                order_number=str(order.pk) if order else None,
                order_url=order_admin_url(order.pk, absolute=True) if order else None,
                payment_id=payment.pk if payment else None,
                shipment=shipment,
            ),
        )
    return request


def own_request(user, request_pk: int) -> SupportRequest:
    request = SupportRequest.objects.filter(pk=request_pk, user_id=user.pk).first()
    if request is None:
        raise SupportRefusal("not_found", "No such support request.", "id")
    return request


def buyer_message(user, request_pk: int, message: str) -> SupportRequest:
    """The buyer writes again: a waiting or resolved request opens again."""
    body = clean_text(message, "message", MAX_MESSAGE_LENGTH, True)
    own_request(user, request_pk)
    if _rate_limited(user):
        raise SupportRefusal(
            "rate_limited", "Too many messages; please wait a little.", "message"
        )
    with transaction.atomic():
        request = SupportRequest.objects.select_for_update().get(pk=request_pk)
        SupportMessage.objects.create(
            request=request, author=Author.BUYER.value, body=body
        )
        before = request.status
        request.status = after_buyer_message(RequestStatus(before)).value
        request.resolved_at = None
        request.updated_at = timezone.now()
        request.save(update_fields=["status", "resolved_at", "updated_at"])
        helpdesk.forward_comment(request, body)
        if request.status != before:
            helpdesk.forward_status(request)
    return request


def _locked(request_pk: int) -> SupportRequest:
    request = SupportRequest.objects.select_for_update().filter(pk=request_pk).first()
    if request is None:
        raise SupportRefusal("not_found", "No such support request.", "id")
    return request


def _apply_status(request: SupportRequest, status: RequestStatus) -> None:
    request.status = status.value
    request.resolved_at = timezone.now() if status == RequestStatus.RESOLVED else None


def reply(
    request_pk: int,
    staff_user,
    message: str,
    status: Optional[str] = None,
) -> SupportRequest:
    """Staff answer: kept in the thread and e-mailed to the buyer (outbox, in
    this transaction); the request then waits for the buyer, or takes the
    status given (open, waiting, resolved)."""
    body = clean_text(message, "message", MAX_MESSAGE_LENGTH, True)
    try:
        requested = RequestStatus(status) if status else None
    except ValueError:
        raise SupportRefusal("invalid_status", "Unknown status.", "status") from None
    target = after_staff_reply(requested)
    with transaction.atomic():
        request = _locked(request_pk)
        SupportMessage.objects.create(
            request=request,
            author=Author.STAFF.value,
            staff_user=staff_user,
            body=body,
        )
        before = request.status
        _apply_status(request, target)
        request.updated_at = timezone.now()
        request.save(update_fields=["status", "resolved_at", "updated_at"])
        outbox.enqueue_email(
            request.contact_email,
            f"Re: {request.subject} [request #{request.pk}]",
            f"{body}\n\n--\nCustomer service, about your request #{request.pk}. "
            "Answer in the shop's help section to continue.",
            event_type=REPLY_EVENT,
        )
        helpdesk.forward_comment(request, body)
        if request.status != before:
            helpdesk.forward_status(request)
    return request


def set_status(request_pk: int, status: str) -> SupportRequest:
    """Staff move a request (to open, waiting or resolved)."""
    try:
        target = RequestStatus(status)
    except ValueError:
        raise SupportRefusal("invalid_status", "Unknown status.", "status") from None
    with transaction.atomic():
        request = _locked(request_pk)
        if target.value == request.status:
            return request
        if not staff_may_set(RequestStatus(request.status), target):
            raise SupportRefusal(
                "invalid_status",
                f"A request cannot go back to {target.value}.",
                "status",
            )
        _apply_status(request, target)
        request.updated_at = timezone.now()
        request.save(update_fields=["status", "resolved_at", "updated_at"])
        helpdesk.forward_status(request)
    return request


def inbox(status: Optional[str] = None, category: Optional[str] = None) -> QuerySet:
    """Requests for staff, most recently changed first."""
    rows = SupportRequest.objects.select_related("order", "channel", "user").annotate(
        message_count=Count("messages")
    )
    if status:
        rows = rows.filter(status=status)
    if category:
        rows = rows.filter(category=category)
    return rows


def inbox_counts() -> dict:
    found = {s.value: 0 for s in RequestStatus}
    for status, count in SupportRequest.objects.values_list("status").annotate(
        n=Count("pk")
    ):
        found[status] = count
    return found


def request_with_thread(request_pk: int) -> SupportRequest:
    request = (
        SupportRequest.objects.select_related("order", "payment", "channel", "user")
        .prefetch_related("messages")
        .filter(pk=request_pk)
        .first()
    )
    if request is None:
        raise SupportRefusal("not_found", "No such support request.", "id")
    return request


def mark_seen(request_pk: int) -> None:
    """A new request opened in the inbox becomes open (someone looked)."""
    with transaction.atomic():
        request = _locked(request_pk)
        if request.status == RequestStatus.NEW.value:
            _apply_status(request, RequestStatus.OPEN)
            request.updated_at = timezone.now()
            request.save(update_fields=["status", "resolved_at", "updated_at"])
            helpdesk.forward_status(request)


def requests_of(user) -> QuerySet:
    return SupportRequest.objects.filter(user_id=user.pk).prefetch_related("messages")

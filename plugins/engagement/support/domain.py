"""Feedback and support rules: ratings, categories, the request lifecycle,
the help desk's ticket shape and its statuses. Pure (no Django, no ORM)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any, Dict, List, Optional

MAX_MESSAGE_LENGTH = 5000
MAX_SUBJECT_LENGTH = 200
RATINGS = range(1, 6)


class SupportCategory(str, Enum):
    """What went wrong (the seed: shipping, payment or procurement errors)."""

    SHIPPING = "shipping"
    PAYMENT = "payment"
    PROCUREMENT = "procurement"
    OTHER = "other"


class RequestStatus(str, Enum):
    NEW = "new"  # nobody on our side has looked at it
    OPEN = "open"  # being worked on (or the buyer wrote again)
    WAITING = "waiting"  # answered: waiting for the buyer
    RESOLVED = "resolved"


class Author(str, Enum):
    BUYER = "buyer"
    STAFF = "staff"
    HELPDESK = "helpdesk"


class SupportRefusal(ValueError):
    """Bad input or a move the lifecycle forbids; nothing was changed.
    ``code`` is a SupportErrorCode value, ``field`` the argument at fault."""

    def __init__(self, code: str, message: str, field: Optional[str] = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


def check_rating(rating: int) -> int:
    if not isinstance(rating, int) or rating not in RATINGS:
        raise SupportRefusal("invalid_rating", "A rating is 1 to 5.", "rating")
    return rating


def clean_text(text: Optional[str], field: str, limit: int, required: bool) -> str:
    """Trimmed text of at most ``limit`` characters (empty allowed unless
    ``required``)."""
    cleaned = (text or "").strip()
    if required and not cleaned:
        raise SupportRefusal("required", f"{field} is required.", field)
    if len(cleaned) > limit:
        raise SupportRefusal(
            "too_long", f"{field} is longer than {limit} characters.", field
        )
    return cleaned


def one_line(text: str) -> str:
    """Whitespace runs (newlines too) as one space: a subject becomes an
    e-mail header, where a line break is refused (or an injection)."""
    return " ".join(text.split())


def default_subject(category: SupportCategory, order_number: Optional[str]) -> str:
    about = f" (order #{order_number})" if order_number else ""
    return f"{category.value.title()} question{about}"


# Who may move a request where. Staff may set any status but NEW (which only
# means "nobody looked yet"); a buyer's message reopens a waiting or
# resolved request; the help desk reports any status of its own.
STAFF_TARGETS = (RequestStatus.OPEN, RequestStatus.WAITING, RequestStatus.RESOLVED)


def staff_may_set(current: RequestStatus, target: RequestStatus) -> bool:
    return target in STAFF_TARGETS and target != current


def after_staff_reply(requested: Optional[RequestStatus]) -> RequestStatus:
    """A staff reply waits for the buyer unless staff resolve it with it."""
    if requested is None:
        return RequestStatus.WAITING
    if requested not in STAFF_TARGETS:
        raise SupportRefusal(
            "invalid_status",
            "A reply leaves the request open, waiting or resolved.",
            "status",
        )
    return requested


def after_buyer_message(current: RequestStatus) -> RequestStatus:
    """The buyer wrote: a request that was waiting or resolved is open again."""
    if current == RequestStatus.NEW:
        return RequestStatus.NEW
    return RequestStatus.OPEN


# Zendesk's ticket statuses (new, open, pending, hold, solved, closed) on ours.
HELPDESK_STATUSES: Dict[str, RequestStatus] = {
    "new": RequestStatus.NEW,
    "open": RequestStatus.OPEN,
    "pending": RequestStatus.WAITING,
    "hold": RequestStatus.WAITING,
    "solved": RequestStatus.RESOLVED,
    "closed": RequestStatus.RESOLVED,
}
OUR_STATUS_IN_HELPDESK: Dict[RequestStatus, str] = {
    RequestStatus.NEW: "new",
    RequestStatus.OPEN: "open",
    RequestStatus.WAITING: "pending",
    RequestStatus.RESOLVED: "solved",
}


def status_from_helpdesk(value: Any) -> RequestStatus:
    status = HELPDESK_STATUSES.get(str(value or "").strip().lower())
    if status is None:
        raise SupportRefusal(
            "invalid_status",
            "ticket.status must be one of " + ", ".join(HELPDESK_STATUSES) + ".",
            "ticket.status",
        )
    return status


@dataclass(frozen=True)
class ShipmentFacts:
    """The shipment (a provider's sub-order) a request is about."""

    id: int
    provider_name: str
    status: str
    carrier: str
    tracking_number: str

    def describe(self) -> str:
        """``Shipment SO-7: Acme Ltd, shipped, DHL 00340`` (as staff read it)."""
        tracking = " ".join(p for p in (self.carrier, self.tracking_number) if p)
        return f"Shipment SO-{self.id}: {self.provider_name}, {self.status}" + (
            f", {tracking}" if tracking else ", no tracking yet"
        )


@dataclass(frozen=True)
class TicketFacts:
    """What the help desk needs to know about one request."""

    request_id: str  # our request's id: the ticket's external_id
    requester_name: str
    requester_email: str
    subject: str
    body: str
    category: SupportCategory
    channel_slug: Optional[str]
    order_number: Optional[str]
    order_url: Optional[str]
    payment_id: Optional[int]
    shipment: Optional[ShipmentFacts] = None


def ticket(facts: TicketFacts) -> Dict[str, Any]:
    """A Zendesk-compatible ticket (``POST /api/v2/tickets.json`` body's
    ``ticket``): requester, subject, comment, external_id, tags."""
    tags: List[str] = ["saleor_flash", f"category_{facts.category.value}"]
    if facts.channel_slug:
        tags.append(f"channel_{facts.channel_slug}")
    lines = [facts.body]
    if facts.order_number:
        lines.append("")
        lines.append(
            f"Order #{facts.order_number}"
            + (f": {facts.order_url}" if facts.order_url else "")
        )
        tags.append(f"order_{facts.order_number}")
    if facts.shipment:
        lines.append(facts.shipment.describe())
        tags.append(f"shipment_{facts.shipment.id}")
    if facts.payment_id:
        lines.append(f"Payment {facts.payment_id}")
    return {
        "requester": {
            "name": facts.requester_name or facts.requester_email,
            "email": facts.requester_email,
        },
        "subject": facts.subject,
        "comment": {"body": "\n".join(lines)},
        "external_id": facts.request_id,
        "status": OUR_STATUS_IN_HELPDESK[RequestStatus.NEW],
        "tags": tags,
    }

"""Pure rules of event collection and statistics: what a storefront event
may say, how a batch is checked, funnels and percentiles. No ORM, no Django.

A batch is accepted or refused whole: the first bad field is named in the
400 answer (``events[3].timestamp``), so a storefront fixes its code rather
than losing part of a page's events silently.
"""

from __future__ import annotations

import base64
import math
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from enum import Enum
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

MAX_EVENTS_PER_BATCH = 100
MAX_BATCH_BYTES = 64 * 1024
# Client clocks drift; an event older than this (after the sent_at
# correction) is refused, so partitions older than two days never change.
MAX_EVENT_AGE = timedelta(hours=24)
MAX_CLOCK_AHEAD = timedelta(minutes=5)
MAX_TIME_ON_PAGE_MS = 24 * 3600 * 1000
MAX_TEXT = 100
_TOKEN_RE = re.compile(r"^[A-Za-z0-9_.:\-]{1,64}$")
_TARGET_RE = re.compile(r"^[a-z0-9_\-]{1,32}$")


class EventKind(str, Enum):
    VIEW = "view"
    PAGE_LEAVE = "page_leave"
    FAVOURITE = "favourite"
    UNFAVOURITE = "unfavourite"
    SHARE = "share"
    ADD_TO_CART = "add_to_cart"
    CHECKOUT_STARTED = "checkout_started"
    # Written by the server from order_created, never accepted from a client.
    CHECKOUT_COMPLETED = "checkout_completed"
    PURCHASE = "purchase"


CLIENT_KINDS = frozenset(
    kind.value
    for kind in EventKind
    if kind not in (EventKind.CHECKOUT_COMPLETED, EventKind.PURCHASE)
)
SERVER_KINDS = frozenset({EventKind.CHECKOUT_COMPLETED.value, EventKind.PURCHASE.value})


class PageKind(str, Enum):
    PRODUCT = "product"
    FLASH_SALE = "flash_sale"
    LANDING_PAGE = "landing_page"


class EntryPoint(str, Enum):
    CHANNEL_APP = "channel_app"
    NEWSLETTER = "newsletter"
    SOCIAL = "social"
    LANDING_PAGE = "landing_page"
    WEBSITE = "website"


UTM_FIELDS = ("source", "medium", "campaign", "term", "content")
# Global id type names a storefront gets from our GraphQL API.
GLOBAL_ID_TYPES = {
    "product_id": "Product",
    "variant_id": "ProductVariant",
    "sale_id": "FlashSale",
}


class BatchError(Exception):
    """A refused batch: ``param`` names the bad field, ``code`` says why."""

    def __init__(self, param: str, code: str, message: str):
        super().__init__(message)
        self.param = param
        self.code = code
        self.message = message


@dataclass
class CleanEvent:
    """One checked event, ready to queue (plain data only)."""

    event_id: str
    kind: str
    client_id: str
    occurred_at: datetime
    page: str = ""
    entry_point: str = ""
    product_id: Optional[int] = None
    variant_id: Optional[int] = None
    sale_id: Optional[int] = None
    utm: Dict[str, str] = field(default_factory=dict)
    time_on_page_ms: Optional[int] = None
    engaged_ms: Optional[int] = None
    share_target: str = ""
    checkout_token: Optional[str] = None
    quantity: Optional[int] = None


def parse_time(value, param: str) -> datetime:
    """ISO 8601 with a zone, or milliseconds since the epoch."""
    if isinstance(value, bool):
        raise BatchError(param, "invalid", "A time is an ISO 8601 string or ms.")
    if isinstance(value, (int, float)):
        try:
            return datetime.fromtimestamp(value / 1000.0, tz=timezone.utc)
        except (OverflowError, OSError, ValueError):
            raise BatchError(param, "invalid", "The time is out of range.") from None
    if isinstance(value, str) and len(value) <= 40:
        text = value.strip()
        if text.endswith("Z"):
            text = text[:-1] + "+00:00"
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            parsed = None
        if parsed is not None:
            if parsed.tzinfo is None:
                raise BatchError(param, "invalid", "The time needs a time zone.")
            return parsed.astimezone(timezone.utc)
    raise BatchError(param, "invalid", "A time is an ISO 8601 string or ms.")


def decode_global_id(value, expected_type: str, param: str) -> int:
    """A Relay global id (``base64("Product:12")``) or a plain integer id."""
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    if isinstance(value, str) and 0 < len(value) <= 100:
        if value.isdigit():
            return int(value)
        try:
            decoded = base64.b64decode(value, validate=True).decode("ascii")
        except (ValueError, UnicodeDecodeError):
            decoded = ""
        type_name, _, pk = decoded.partition(":")
        if type_name == expected_type and pk.isdigit() and int(pk) > 0:
            return int(pk)
    raise BatchError(param, "invalid", f"Expected a {expected_type} id.")


def _text(value, param: str, pattern=None, max_length: int = MAX_TEXT) -> str:
    if not isinstance(value, str) or not value or len(value) > max_length:
        raise BatchError(param, "invalid", f"A string of 1 to {max_length} chars.")
    if pattern is not None and not pattern.match(value):
        raise BatchError(param, "invalid", "Letters, digits and _ . : - only.")
    return value


def _milliseconds(value, param: str) -> int:
    if (
        not isinstance(value, int)
        or isinstance(value, bool)
        or not 0 <= value <= MAX_TIME_ON_PAGE_MS
    ):
        raise BatchError(param, "invalid", "Milliseconds, 0 to 86400000.")
    return value


def _choice(value, enum, param: str) -> str:
    allowed = [member.value for member in enum]
    if value not in allowed:
        raise BatchError(param, "invalid", f"One of: {', '.join(allowed)}.")
    return value


_REQUIRED_BY_KIND = {
    EventKind.VIEW.value: ("page",),
    EventKind.PAGE_LEAVE.value: ("page", "time_on_page_ms"),
    EventKind.FAVOURITE.value: ("product_id",),
    EventKind.UNFAVOURITE.value: ("product_id",),
    EventKind.SHARE.value: ("target",),
    EventKind.ADD_TO_CART.value: ("product_id",),
    EventKind.CHECKOUT_STARTED.value: ("checkout_token",),
}
KNOWN_FIELDS = frozenset(
    {
        "event_id",
        "kind",
        "client_id",
        "timestamp",
        "page",
        "entry_point",
        "product_id",
        "variant_id",
        "sale_id",
        "utm",
        "time_on_page_ms",
        "engaged_ms",
        "target",
        "checkout_token",
        "quantity",
    }
)


def clean_event(raw, index: int, now: datetime, skew: timedelta) -> CleanEvent:
    """Check one event; ``skew`` corrects the client's clock (now − sent_at)."""
    where = f"events[{index}]"
    if not isinstance(raw, dict):
        raise BatchError(where, "invalid", "An event is a JSON object.")
    unknown = sorted(set(raw) - KNOWN_FIELDS)
    if unknown:
        raise BatchError(f"{where}.{unknown[0]}", "unknown_field", "Unknown field.")
    for name in ("event_id", "kind", "client_id", "timestamp"):
        if raw.get(name) in (None, ""):
            raise BatchError(f"{where}.{name}", "required", "This field is required.")
    kind = raw["kind"]
    if kind in SERVER_KINDS:
        raise BatchError(
            f"{where}.kind",
            "server_side_kind",
            "Purchases and completed checkouts are recorded by the server "
            "from orders; a client may not send them.",
        )
    if kind not in CLIENT_KINDS:
        raise BatchError(
            f"{where}.kind", "invalid", f"One of: {', '.join(sorted(CLIENT_KINDS))}."
        )
    try:
        event_id = str(uuid.UUID(str(raw["event_id"])))
    except ValueError:
        raise BatchError(f"{where}.event_id", "invalid", "A UUID.") from None
    client_id = _text(raw["client_id"], f"{where}.client_id", _TOKEN_RE, 64)
    occurred_at = parse_time(raw["timestamp"], f"{where}.timestamp") + skew
    if occurred_at < now - MAX_EVENT_AGE or occurred_at > now + MAX_CLOCK_AHEAD:
        raise BatchError(
            f"{where}.timestamp",
            "out_of_range",
            "Events are accepted up to 24 hours after they happen (send sent_at "
            "to correct the device's clock).",
        )
    for name in _REQUIRED_BY_KIND[kind]:
        if raw.get(name) in (None, ""):
            raise BatchError(f"{where}.{name}", "required", f"Required for {kind}.")
    event = CleanEvent(
        event_id=event_id, kind=kind, client_id=client_id, occurred_at=occurred_at
    )
    if raw.get("page") is not None:
        event.page = _choice(raw["page"], PageKind, f"{where}.page")
    if raw.get("entry_point") is not None:
        event.entry_point = _choice(
            raw["entry_point"], EntryPoint, f"{where}.entry_point"
        )
    for name, type_name in GLOBAL_ID_TYPES.items():
        if raw.get(name) is not None:
            setattr(
                event, name, decode_global_id(raw[name], type_name, f"{where}.{name}")
            )
    if raw.get("utm") is not None:
        if not isinstance(raw["utm"], dict):
            raise BatchError(f"{where}.utm", "invalid", "An object of UTM fields.")
        for name, value in raw["utm"].items():
            if name not in UTM_FIELDS:
                raise BatchError(f"{where}.utm.{name}", "unknown_field", "Unknown.")
            event.utm[name] = _text(value, f"{where}.utm.{name}")
    if raw.get("time_on_page_ms") is not None:
        event.time_on_page_ms = _milliseconds(
            raw["time_on_page_ms"], f"{where}.time_on_page_ms"
        )
    if raw.get("engaged_ms") is not None:
        event.engaged_ms = _milliseconds(raw["engaged_ms"], f"{where}.engaged_ms")
        if event.time_on_page_ms is not None and (
            event.engaged_ms > event.time_on_page_ms
        ):
            raise BatchError(
                f"{where}.engaged_ms", "invalid", "More than the time on page."
            )
    if raw.get("target") is not None:
        event.share_target = _text(raw["target"], f"{where}.target", _TARGET_RE, 32)
    if raw.get("checkout_token") is not None:
        try:
            event.checkout_token = str(uuid.UUID(str(raw["checkout_token"])))
        except ValueError:
            raise BatchError(f"{where}.checkout_token", "invalid", "A UUID.") from None
    if raw.get("quantity") is not None:
        quantity = raw["quantity"]
        if not isinstance(quantity, int) or isinstance(quantity, bool):
            raise BatchError(f"{where}.quantity", "invalid", "An integer 1 to 1000.")
        if not 1 <= quantity <= 1000:
            raise BatchError(f"{where}.quantity", "invalid", "An integer 1 to 1000.")
        event.quantity = quantity
    return event


def clean_batch(body, now: datetime) -> Tuple[List[CleanEvent], Optional[str]]:
    """Check a parsed batch ``{"events": [...], "sent_at"?, "session_id"?}``.

    Returns the events and the storefront's session id (None: the server
    derives one). Raises ``BatchError`` naming the first bad field.
    """
    if not isinstance(body, dict):
        raise BatchError("body", "invalid", "The body is a JSON object.")
    events = body.get("events")
    if not isinstance(events, list) or not events:
        raise BatchError("events", "required", "A non-empty list of events.")
    if len(events) > MAX_EVENTS_PER_BATCH:
        raise BatchError(
            "events", "too_many", f"At most {MAX_EVENTS_PER_BATCH} events a batch."
        )
    skew = timedelta(0)
    if body.get("sent_at") is not None:
        skew = now - parse_time(body["sent_at"], "sent_at")
    session_id = None
    if body.get("session_id") is not None:
        session_id = _text(body["session_id"], "session_id", _TOKEN_RE, 64)
    cleaned = [clean_event(raw, index, now, skew) for index, raw in enumerate(events)]
    return cleaned, session_id


# ---------------------------------------------------------------- statistics

FUNNEL_STEPS: Sequence[Tuple[str, Tuple[str, ...]]] = (
    ("views", (EventKind.VIEW.value,)),
    ("engaged", (EventKind.FAVOURITE.value, EventKind.SHARE.value)),
    ("add_to_cart", (EventKind.ADD_TO_CART.value,)),
    ("checkout", (EventKind.CHECKOUT_STARTED.value,)),
    ("purchase", (EventKind.CHECKOUT_COMPLETED.value,)),
)


@dataclass(frozen=True)
class FunnelStep:
    name: str
    count: int
    # Of the previous step / of the first step; None when dividing by 0.
    rate_from_previous: Optional[float]
    rate_from_first: Optional[float]


def _rate(part: int, whole: int) -> Optional[float]:
    return None if whole <= 0 else round(part / whole, 4)


def funnel(counts_by_kind: Dict[str, int], per_item: bool = False) -> List[FunnelStep]:
    """Views → favourites/shares → add to cart → checkout → purchase.

    The purchase step counts orders (completed checkouts), or with
    ``per_item`` (a funnel of one product or sale) the orders' lines of it.
    """
    steps: List[FunnelStep] = []
    first = previous = None
    for name, kinds in FUNNEL_STEPS:
        if name == "purchase" and per_item:
            kinds = (EventKind.PURCHASE.value,)
        count = sum(counts_by_kind.get(kind, 0) for kind in kinds)
        if first is None:
            first = count
        steps.append(
            FunnelStep(
                name=name,
                count=count,
                rate_from_previous=None if previous is None else _rate(count, previous),
                rate_from_first=_rate(count, first),
            )
        )
        previous = count
    return steps


# Time on page is rolled up into log-spaced buckets (≈ 12 % wide), so a
# percentile is read from the histogram without the raw events.
BUCKET_BASE = 1.12
BUCKET_COUNT = 120


def time_bucket(milliseconds: int) -> int:
    """The histogram bucket of a time on page (bucket 0: under 100 ms)."""
    if milliseconds < 100:
        return 0
    index = 1 + int(math.log(milliseconds / 100.0, BUCKET_BASE))
    return min(index, BUCKET_COUNT - 1)


def bucket_upper_ms(index: int) -> int:
    """The upper edge of a bucket in ms (what a percentile reports)."""
    return int(round(100 * BUCKET_BASE**index))


def percentile_from_histogram(counts: Dict[int, int], fraction: float) -> Optional[int]:
    """The upper edge of the bucket holding the ``fraction`` quantile."""
    total = sum(counts.values())
    if total == 0:
        return None
    rank = max(1, math.ceil(fraction * total))
    seen = 0
    for index in sorted(counts):
        seen += counts[index]
        if seen >= rank:
            return bucket_upper_ms(index)
    return bucket_upper_ms(max(counts))


def hours_between(start: datetime, end: datetime) -> Iterable[datetime]:
    hour = start.replace(minute=0, second=0, microsecond=0)
    while hour < end:
        yield hour
        hour += timedelta(hours=1)

"""Newsletter use cases: sign-up (double opt-in), confirmation, unsubscribe,
the staff list and its CSV export.

Every e-mail leaves through the core outbox, written in the transaction of
the change that causes it: a sign-up that rolls back sends nothing, one that
commits is mailed even if Redis or the worker is down at that moment.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import timedelta
from typing import Iterable, Iterator, Optional

from django.conf import settings
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from plugins.channel_pricing import services as channels
from plugins.core import outbox

from ..models import NewsletterSubscription
from . import links
from .domain import (
    NewsletterRefusal,
    SignUpSource,
    SubscriptionStatus,
    confirmation_due,
    normalize_email,
)

CONFIRMATION_EVENT = "newsletter.confirmation"
WELCOME_EVENT = "newsletter.confirmed"


@dataclass(frozen=True)
class SignUp:
    """What a sign-up did (kept from the storefront: the answer is the same
    whatever the address's state, so the form says nothing about it)."""

    subscription: NewsletterSubscription
    created: bool
    confirmation_sent: bool


def resend_after() -> timedelta:
    return timedelta(
        seconds=int(getattr(settings, "FLASH_NEWSLETTER_RESEND_SECONDS", 600))
    )


def _channel_id(channel_slug: Optional[str]) -> Optional[int]:
    if not channel_slug:
        return None
    found = channels.channel_ids_by_slug([channel_slug]).get(channel_slug)
    if found is None:
        raise NewsletterRefusal("not_found", "No such channel.", "channel")
    return found


def _insert_or_lock(email: str, channel_id, source: str, now) -> tuple:
    """The address's row, locked; created if new. ``INSERT ... ON CONFLICT DO
    NOTHING`` first, so two sign-ups of one address at the same moment make
    one row (the loser waits on the winner's row lock, then sees it)."""
    table = NewsletterSubscription._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (email, channel_id, source, status, created_at,"
            " confirmations_sent) VALUES (%s, %s, %s, %s, %s, 0)"
            " ON CONFLICT (email) DO NOTHING RETURNING id",
            [email, channel_id, source, SubscriptionStatus.PENDING.value, now],
        )
        created = cursor.fetchone() is not None
    row = NewsletterSubscription.objects.select_for_update().get(email=email)
    return row, created


def subscribe(
    email: str,
    source: str = SignUpSource.OTHER.value,
    channel_slug: Optional[str] = None,
) -> SignUp:
    """Sign ``email`` up: a pending row and a confirmation e-mail with a
    signed, expiring link. Again for the same address: no second row; the
    confirmation is sent again only if the last one is older than
    ``FLASH_NEWSLETTER_RESEND_SECONDS``; a confirmed address gets nothing."""
    address = normalize_email(email)
    try:
        origin = SignUpSource(source or SignUpSource.OTHER.value).value
    except ValueError:
        raise NewsletterRefusal("invalid", "Unknown source.", "source") from None
    channel_id = _channel_id(channel_slug)
    now = timezone.now()
    with transaction.atomic():
        row, created = _insert_or_lock(address, channel_id, origin, now)
        status = SubscriptionStatus(row.status)
        due = confirmation_due(status, row.confirmation_sent_at, now, resend_after())
        if status == SubscriptionStatus.UNSUBSCRIBED and due:
            row.status = SubscriptionStatus.PENDING.value
            row.unsubscribed_at = None
            row.consented_at = None
            row.source = origin
            if channel_id:
                row.channel_id = channel_id
        if due:
            _send_confirmation(row)
            row.confirmation_sent_at = now
            row.confirmations_sent += 1
        row.save()
    return SignUp(row, created, due)


def _footer(row: NewsletterSubscription) -> str:
    unsubscribe = links.public_url(
        links.UNSUBSCRIBE_PATH, links.unsubscribe_token(row.pk, row.email)
    )
    return (
        "\n\n--\nYou get this e-mail because this address was entered in our "
        f"newsletter form. Unsubscribe: {unsubscribe}\n"
    )


def _send_confirmation(row: NewsletterSubscription) -> None:
    confirm = links.public_url(
        links.CONFIRM_PATH, links.confirm_token(row.pk, row.email)
    )
    hours = max(1, links.confirm_max_age() // 3600)
    body = (
        "Please confirm that you want our flash-sale newsletter:\n\n"
        f"{confirm}\n\n"
        f"The link works for {hours} hours. If you did not sign up, ignore "
        "this e-mail: without confirmation nothing is sent to you."
    )
    outbox.enqueue_email(
        row.email,
        "Confirm your newsletter subscription",
        body + _footer(row),
        event_type=CONFIRMATION_EVENT,
    )


def confirm(token: str) -> NewsletterSubscription:
    """Follow the confirmation link: store the consent time (once; confirming
    again changes nothing). LinkRefused for a forged or expired link, or one
    whose subscription is gone or was unsubscribed since."""
    pk, email = links.read_confirm_token(token)
    with transaction.atomic():
        row = (
            NewsletterSubscription.objects.select_for_update()
            .filter(pk=pk, email=email)
            .first()
        )
        if row is None or row.status == SubscriptionStatus.UNSUBSCRIBED.value:
            raise links.LinkRefused(
                links.LinkRefused.INVALID,
                "This link is no longer valid: sign up again for a new one.",
            )
        if row.status == SubscriptionStatus.PENDING.value:
            row.status = SubscriptionStatus.CONFIRMED.value
            row.consented_at = timezone.now()
            row.save(update_fields=["status", "consented_at"])
            outbox.enqueue_email(
                row.email,
                "You are subscribed",
                "Thank you: you will get our flash-sale newsletter." + _footer(row),
                event_type=WELCOME_EVENT,
            )
    return row


def unsubscribe(token: str) -> NewsletterSubscription:
    """Follow the unsubscribe link of any e-mail (it never expires)."""
    pk, email = links.read_unsubscribe_token(token)
    with transaction.atomic():
        row = (
            NewsletterSubscription.objects.select_for_update()
            .filter(pk=pk, email=email)
            .first()
        )
        if row is None:
            raise links.LinkRefused(
                links.LinkRefused.INVALID, "This link is not valid."
            )
        if row.status != SubscriptionStatus.UNSUBSCRIBED.value:
            row.status = SubscriptionStatus.UNSUBSCRIBED.value
            row.unsubscribed_at = timezone.now()
            row.save(update_fields=["status", "unsubscribed_at"])
    return row


def subscriptions(
    status: Optional[str] = None, search: Optional[str] = None
) -> QuerySet:
    """The list for staff, newest first, with the channel's name."""
    rows = NewsletterSubscription.objects.select_related("channel")
    if status:
        rows = rows.filter(status=status)
    if search:
        rows = rows.filter(email__icontains=search.strip().lower())
    return rows


def counts() -> dict:
    found = {s.value: 0 for s in SubscriptionStatus}
    for status in NewsletterSubscription.objects.values_list("status", flat=True):
        found[status] = found.get(status, 0) + 1
    return found


CSV_HEADER = [
    "email",
    "status",
    "channel",
    "source",
    "signed_up_at",
    "consented_at",
    "unsubscribed_at",
]


def _iso(moment) -> str:
    return moment.isoformat() if moment else ""


def csv_lines(rows: Iterable[NewsletterSubscription]) -> Iterator[str]:
    """The export, line by line (streamed: the list may be long). Cells that
    a spreadsheet would run as a formula are quoted with a leading '."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(values) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([_no_formula(str(v)) for v in values])
        return buffer.getvalue()

    yield line(CSV_HEADER)
    for row in rows.iterator() if hasattr(rows, "iterator") else rows:
        yield line(
            [
                row.email,
                row.status,
                row.channel.slug if row.channel_id else "",
                row.source,
                _iso(row.created_at),
                _iso(row.consented_at),
                _iso(row.unsubscribed_at),
            ]
        )


def _no_formula(value: str) -> str:
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value

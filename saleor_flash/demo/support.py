"""Demo customer service: contact options, one confirmed newsletter reader
and one open support request from the shopper, so the console's Support and
Newsletter pages show something on a first ``make run``. Written with the
ORM (no e-mails are queued for demo rows)."""

from __future__ import annotations

from django.utils import timezone

from plugins.engagement.models import (
    NewsletterSubscription,
    SupportContactOptions,
    SupportMessage,
    SupportRequest,
)

from .summary import Tally

READER_EMAIL = "reader@example.com"
REQUEST_SUBJECT = "When does my flash-sale order ship?"


def ensure_support(shopper, tally: Tally) -> None:
    _, created = SupportContactOptions.objects.get_or_create(
        is_default=True,
        defaults={
            "email": "help@flash.example",
            "phone": "+1 555 0100",
            "hours": "Mon-Fri 9:00-18:00 UTC",
        },
    )
    tally.record("support contacts", created)
    now = timezone.now()
    _, created = NewsletterSubscription.objects.get_or_create(
        email=READER_EMAIL,
        defaults={
            "source": "product_page",
            "status": "confirmed",
            "confirmation_sent_at": now,
            "confirmations_sent": 1,
            "consented_at": now,
        },
    )
    tally.record("newsletter subscribers", created)
    request, created = SupportRequest.objects.get_or_create(
        user=shopper,
        subject=REQUEST_SUBJECT,
        defaults={
            "category": "shipping",
            "contact_email": shopper.email,
            "contact_name": shopper.get_full_name(),
        },
    )
    if created:
        SupportMessage.objects.create(
            request=request,
            author="buyer",
            body="I bought in the flash sale this morning; when will it ship?",
        )
    tally.record("support requests", created)

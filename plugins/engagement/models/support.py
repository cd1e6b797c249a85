from django.conf import settings
from django.db import models
from django.utils import timezone

from plugins.core.choices import choices

from ..support.domain import Author, RequestStatus, SupportCategory

__all__ = [
    "SupportContactOptions",
    "Feedback",
    "SupportRequest",
    "SupportMessage",
    "HelpdeskInboundEvent",
]


class SupportContactOptions(models.Model):
    """How buyers reach customer service: per channel, or the platform's
    default (``channel`` null) for channels without their own."""

    channel = models.OneToOneField(
        "channel_pricing.Channel",
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.CASCADE,
    )
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=64, blank=True)
    chat_url = models.URLField(max_length=500, blank=True)
    hours = models.CharField(max_length=200, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)
    # True on the platform's default row (channel null): at most one.
    is_default = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=models.Q(is_default=True),
                name="support_contact_one_default",
            ),
            models.CheckConstraint(
                check=models.Q(is_default=True, channel__isnull=True)
                | models.Q(is_default=False, channel__isnull=False),
                name="support_contact_default_or_channel",
            ),
        ]


class Feedback(models.Model):
    """A buyer's rating (1-5) and message about one of their orders, or about
    one shipment (a provider's sub-order) of it; rating the same order (or the
    same shipment) again replaces the first rating. A shipment's rating is
    apart from the order's."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, related_name="+", on_delete=models.CASCADE
    )
    order = models.ForeignKey("order.Order", related_name="+", on_delete=models.CASCADE)
    # The shipment (provider_dropship's sub-order) of ``order`` rated, if any:
    # its id only, asked of provider_dropship's services (never its models).
    shipment_id = models.PositiveIntegerField(null=True, blank=True)
    rating = models.PositiveSmallIntegerField()
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("-updated_at", "-pk")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "order"],
                condition=models.Q(shipment_id__isnull=True),
                name="feedback_once",
            ),
            models.UniqueConstraint(
                fields=["user", "order", "shipment_id"],
                condition=models.Q(shipment_id__isnull=False),
                name="feedback_once_per_shipment",
            ),
            models.CheckConstraint(
                check=models.Q(rating__gte=1, rating__lte=5), name="feedback_rating_1_5"
            ),
        ]


class SupportRequest(models.Model):
    """A buyer's request for help about an order, a shipment of it or a
    payment."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, related_name="+", on_delete=models.CASCADE
    )
    order = models.ForeignKey(
        "order.Order",
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.SET_NULL,
    )
    # The shipment (provider_dropship's sub-order) of ``order`` it is about:
    # its id only, asked of provider_dropship's services (never its models).
    shipment_id = models.PositiveIntegerField(null=True, blank=True)
    payment = models.ForeignKey(
        "payment.Payment",
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.SET_NULL,
    )
    channel = models.ForeignKey(
        "channel_pricing.Channel",
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.SET_NULL,
    )
    category = models.CharField(max_length=16, choices=choices(SupportCategory))
    subject = models.CharField(max_length=200)
    # Where replies go: the buyer's own address (a member's login is not one).
    contact_email = models.EmailField()
    contact_name = models.CharField(max_length=250, blank=True)
    status = models.CharField(
        max_length=16, choices=choices(RequestStatus), default=RequestStatus.NEW
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    # Help-desk hand-off: forwarded through the outbox; the help desk's own
    # ticket id once it reported back.
    forwarded_at = models.DateTimeField(null=True, blank=True)
    helpdesk_ticket_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ("-updated_at", "-pk")
        indexes = [models.Index(fields=["status", "-updated_at"])]
        permissions = (
            (
                "manage_support",
                "Answer support requests and set customer-service contacts.",
            ),
        )


class SupportMessage(models.Model):
    """One message in a request's thread: the buyer's, ours or the help desk's."""

    request = models.ForeignKey(
        SupportRequest, related_name="messages", on_delete=models.CASCADE
    )
    author = models.CharField(max_length=16, choices=choices(Author))
    staff_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.SET_NULL,
    )
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("created_at", "pk")


class HelpdeskInboundEvent(models.Model):
    """An inbound help-desk webhook's event id, once accepted: the unique key
    refuses a replay, whichever process receives it."""

    event_id = models.CharField(max_length=128, unique=True)
    received_at = models.DateTimeField(default=timezone.now, db_index=True)

from django.db import models
from django.utils import timezone

from plugins.core.choices import choices

from ..newsletter.domain import SignUpSource, SubscriptionStatus

__all__ = ["NewsletterSubscription"]


class NewsletterSubscription(models.Model):
    """One mailbox on the newsletter list (double opt-in).

    ``consented_at`` is set when the owner of the address follows the signed
    link of the confirmation e-mail: the record of consent. No IP address is
    kept.
    """

    email = models.EmailField(max_length=254)
    channel = models.ForeignKey(
        "channel_pricing.Channel",
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.SET_NULL,
    )
    source = models.CharField(
        max_length=32, choices=choices(SignUpSource), default=SignUpSource.OTHER
    )
    status = models.CharField(
        max_length=16,
        choices=choices(SubscriptionStatus),
        default=SubscriptionStatus.PENDING,
    )
    created_at = models.DateTimeField(default=timezone.now)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    confirmations_sent = models.PositiveIntegerField(default=0)
    consented_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-pk")
        # Addresses are stored lower case (domain.normalize_email).
        constraints = [
            models.UniqueConstraint(fields=["email"], name="newsletter_one_per_email")
        ]
        indexes = [models.Index(fields=["status", "-created_at"])]
        permissions = (
            ("manage_newsletter", "Manage the newsletter list and export it."),
        )

    def __str__(self) -> str:
        return f"{self.email} ({self.status})"

from django.conf import settings
from django.db import models
from django.utils import timezone

from plugins.core.choices import choices

from ..domain import ApplicationStatus, Onboarding, ProviderRole, ProviderStatus

__all__ = [
    "Provider",
    "ProviderUser",
    "ProviderWarehouse",
    "ProviderApplication",
    "ApplicationReview",
    "ProviderInvitation",
]


class Provider(models.Model):
    name = models.CharField(max_length=250)
    slug = models.SlugField(max_length=100, unique=True)
    legal_name = models.CharField(max_length=250, blank=True)
    tax_id = models.CharField(max_length=64, blank=True)
    contact_name = models.CharField(max_length=250, blank=True)
    contact_email = models.EmailField(blank=True)
    contact_phone = models.CharField(max_length=64, blank=True)
    surety_bond = models.BooleanField(default=False)
    status = models.CharField(
        max_length=16, choices=choices(ProviderStatus), default=ProviderStatus.PENDING
    )
    onboarding = models.CharField(
        max_length=16, choices=choices(Onboarding), default=Onboarding.SIGN_UP
    )
    # Where new sub-orders are announced (signed webhook); empty: e-mail only.
    webhook_url = models.URLField(max_length=500, blank=True)
    webhook_secret = models.CharField(max_length=128, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    suspended_at = models.DateTimeField(null=True, blank=True)
    suspension_reason = models.TextField(blank=True)

    class Meta:
        ordering = ("slug",)
        permissions = (("manage_providers", "Manage providers and their listings."),)

    def __str__(self):
        return self.name


class ProviderUser(models.Model):
    """A Saleor user working for exactly one provider, as owner or staff."""

    provider = models.ForeignKey(
        Provider, related_name="memberships", on_delete=models.CASCADE
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        related_name="provider_membership",
        on_delete=models.CASCADE,
    )
    role = models.CharField(
        max_length=8, choices=choices(ProviderRole), default=ProviderRole.STAFF
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("pk",)


class ProviderWarehouse(models.Model):
    """A Saleor warehouse owned by a provider."""

    provider = models.ForeignKey(
        Provider, related_name="warehouses", on_delete=models.CASCADE
    )
    warehouse = models.OneToOneField(
        "warehouse.Warehouse", related_name="provider_link", on_delete=models.CASCADE
    )


def application_document_path(instance, filename):
    return f"provider-applications/{instance.public_id}/{filename}"


class ProviderApplication(models.Model):
    """A self sign-up: the applicant's request to become a provider.

    The applicant is not a user yet; they come back to the draft through a
    signed, expiring link e-mailed at creation (``public_id`` in the link).
    """

    public_id = models.UUIDField(unique=True)
    status = models.CharField(
        max_length=20,
        choices=choices(ApplicationStatus),
        default=ApplicationStatus.DRAFT,
    )
    company_name = models.CharField(max_length=250)
    legal_name = models.CharField(max_length=250, blank=True)
    tax_id = models.CharField(max_length=64, blank=True)
    contact_name = models.CharField(max_length=250, blank=True)
    contact_phone = models.CharField(max_length=32, blank=True)  # E.164
    email = models.EmailField()
    surety_bond = models.BooleanField(default=False)
    # The first warehouse's address.
    street_address = models.CharField(max_length=256, blank=True)
    city = models.CharField(max_length=256, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=2, blank=True)
    country_area = models.CharField(max_length=128, blank=True)
    business_licence = models.FileField(
        upload_to=application_document_path, max_length=300, blank=True
    )
    contract = models.FileField(
        upload_to=application_document_path, max_length=300, blank=True
    )
    inventory_proof = models.FileField(
        upload_to=application_document_path, max_length=300, blank=True
    )
    review_note = models.TextField(blank=True)  # the latest decision's note
    provider = models.OneToOneField(
        Provider,
        null=True,
        blank=True,
        related_name="application",
        on_delete=models.SET_NULL,
    )
    created_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-pk")


class ApplicationReview(models.Model):
    """One staff decision on an application, with its note (the history)."""

    application = models.ForeignKey(
        ProviderApplication, related_name="reviews", on_delete=models.CASCADE
    )
    decision = models.CharField(max_length=20, choices=choices(ApplicationStatus))
    note = models.TextField(blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("created_at", "pk")


class ProviderInvitation(models.Model):
    """A single-use, expiring set-password link for a provider user.

    Only the SHA-256 of the token is stored; the token itself is in the e-mail.
    """

    provider = models.ForeignKey(
        Provider, related_name="invitations", on_delete=models.CASCADE
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, related_name="+", on_delete=models.CASCADE
    )
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.SET_NULL,
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("-created_at", "-pk")

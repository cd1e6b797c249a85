"""Suspend and reactivate providers.

A suspended provider's listings leave every pool and flash sale at once:
channel_pricing reads the pool and sale_windows checks reservations through
``pool`` (approved providers only), so the status change is all it takes.
What was already ordered is untouched: orders, allocations and sub-orders
stay, and the provider's users can still fulfil them.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from plugins.core import outbox
from plugins.core.errors import ServiceRefusal

from .domain import ProviderStatus, can_transition
from .models import Provider


class SuspensionError(ServiceRefusal):
    NOT_FOUND = "not_found"
    INVALID_TRANSITION = "invalid_transition"
    REASON_REQUIRED = "reason_required"


def _change(provider_id: int, target: ProviderStatus) -> Provider:
    provider = Provider.objects.select_for_update().filter(pk=provider_id).first()
    if provider is None:
        raise SuspensionError(SuspensionError.NOT_FOUND, "No such provider.", "id")
    if not can_transition(ProviderStatus(provider.status), target):
        raise SuspensionError(
            SuspensionError.INVALID_TRANSITION,
            f"A {provider.status} provider cannot become {target.value}.",
        )
    return provider


def suspend_provider(provider_id: int, reason: str) -> Provider:
    """Take every listing of the provider off sale now (reason e-mailed)."""
    reason = (reason or "").strip()[:2000]
    if not reason:
        raise SuspensionError(
            SuspensionError.REASON_REQUIRED, "Say why (it is e-mailed).", "reason"
        )
    with transaction.atomic():
        provider = _change(provider_id, ProviderStatus.SUSPENDED)
        provider.status = ProviderStatus.SUSPENDED.value
        provider.suspended_at = timezone.now()
        provider.suspension_reason = reason
        provider.save(update_fields=["status", "suspended_at", "suspension_reason"])
        if provider.contact_email:
            outbox.enqueue_email(
                provider.contact_email,
                f"{provider.name} is suspended",
                "Your listings are off sale until the platform reactivates "
                f"your account.\n\nReason: {reason}\n\n"
                "Orders you already received are not affected: fulfil them as usual.\n",
                event_type="provider.suspended",
            )
    return provider


def reactivate_provider(provider_id: int) -> Provider:
    """Put the provider's approved listings back in the pool."""
    with transaction.atomic():
        provider = _change(provider_id, ProviderStatus.APPROVED)
        provider.status = ProviderStatus.APPROVED.value
        provider.suspended_at = None
        provider.suspension_reason = ""
        provider.save(update_fields=["status", "suspended_at", "suspension_reason"])
        if provider.contact_email:
            outbox.enqueue_email(
                provider.contact_email,
                f"{provider.name} is active again",
                "Your approved listings are back on sale.\n",
                event_type="provider.reactivated",
            )
    return provider

"""Where each provider is notified of new sub-orders."""

from __future__ import annotations

from typing import Optional

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import transaction

from .models import Provider, ProviderEndpoint
from .settlement_rules import SettlementRefusal


def set_endpoint(
    provider_pk: int,
    webhook_url: Optional[str] = None,
    webhook_secret: Optional[str] = None,
    email: Optional[str] = None,
) -> ProviderEndpoint:
    """Set the endpoint's fields given (None leaves a field as it is)."""
    with transaction.atomic():
        provider = Provider.objects.select_for_update().filter(pk=provider_pk).first()
        if provider is None:
            raise SettlementRefusal("not_found", "No such provider.", "provider_id")
        endpoint, _ = ProviderEndpoint.objects.get_or_create(provider=provider)
        if webhook_url is not None:
            webhook_url = webhook_url.strip()
            if webhook_url:
                try:
                    URLValidator(schemes=["http", "https"])(webhook_url)
                except ValidationError as error:
                    raise SettlementRefusal(
                        "invalid", "Not a URL.", "webhook_url"
                    ) from error
            endpoint.webhook_url = webhook_url
        if webhook_secret is not None:
            if webhook_secret and len(webhook_secret) < 16:
                raise SettlementRefusal(
                    "invalid",
                    "Use a secret of 16 characters or more.",
                    "webhook_secret",
                )
            endpoint.webhook_secret = webhook_secret
        if email is not None:
            email = email.strip()
            if email:
                try:
                    EmailValidator()(email)
                except ValidationError as error:
                    raise SettlementRefusal(
                        "invalid", "Not an e-mail address.", "email"
                    ) from error
            endpoint.email = email
        if endpoint.webhook_url and not endpoint.webhook_secret:
            raise SettlementRefusal(
                "required", "A webhook needs a signing secret.", "webhook_secret"
            )
        endpoint.save()
    return endpoint

"""Where a provider hears of new sub-orders: its webhook URL and the secret
its webhooks are signed with (``provider_notices``). Set by staff or by the
provider's owner; without a URL the provider gets e-mails only."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from django.db import transaction

from plugins.core.errors import ServiceRefusal
from plugins.core.web_addresses import http_url_problem, new_signing_secret

from .models import Provider

MAX_URL = 500


class WebhookSettingError(ServiceRefusal):
    NOT_FOUND = "not_found"
    INVALID = "invalid"


@dataclass(frozen=True)
class WebhookSetting:
    provider: Provider
    # The signing secret when this change made one (a new URL with no secret
    # yet, or a rotation); None when the secret stayed as it was.
    new_secret: Optional[str]


def set_provider_webhook(
    provider_id: int, url: str, rotate_secret: bool = False
) -> WebhookSetting:
    """Set (or with an empty ``url`` remove) the provider's webhook URL. A
    first URL gets a new secret, as does ``rotate_secret``; removing the URL
    removes the secret. Webhooks already in the outbox keep the secret they
    were signed with."""
    url = (url or "").strip()
    problem = http_url_problem(url, "The webhook URL")
    if problem is None and len(url) > MAX_URL:
        problem = f"The webhook URL may have at most {MAX_URL} characters."
    if problem:
        raise WebhookSettingError(WebhookSettingError.INVALID, problem, "url")
    with transaction.atomic():
        provider = Provider.objects.select_for_update().filter(pk=provider_id).first()
        if provider is None:
            raise WebhookSettingError(
                WebhookSettingError.NOT_FOUND, "No such provider.", "id"
            )
        new_secret = None
        if not url:
            provider.webhook_secret = ""
        elif rotate_secret or not provider.webhook_secret:
            new_secret = new_signing_secret()
            provider.webhook_secret = new_secret
        provider.webhook_url = url
        provider.save(update_fields=["webhook_url", "webhook_secret"])
    return WebhookSetting(provider=provider, new_secret=new_secret)

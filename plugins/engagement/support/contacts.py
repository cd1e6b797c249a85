"""Customer-service contact options: the platform's default and, per
channel, the options shown to that channel's buyers (e-mail, phone, chat)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Optional

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from plugins.channel_pricing import services as channels

from ..models import SupportContactOptions
from .domain import SupportRefusal, clean_text


@dataclass(frozen=True)
class ContactOptions:
    email: str
    phone: str
    chat_url: str
    hours: str
    channel_slug: Optional[str]  # None: the platform's default


EMPTY = ContactOptions("", "", "", "", None)


def _as_options(row: Optional[SupportContactOptions], slug) -> ContactOptions:
    if row is None:
        return EMPTY
    return ContactOptions(row.email, row.phone, row.chat_url, row.hours, slug)


def _channel_id(channel_slug: str) -> int:
    found = channels.channel_ids_by_slug([channel_slug]).get(channel_slug)
    if found is None:
        raise SupportRefusal("not_found", "No such channel.", "channel")
    return found


def contact_options(channel_slug: Optional[str] = None) -> ContactOptions:
    """What buyers of ``channel_slug`` see: the channel's own options when
    it has any, else the platform's default (empty when none is set)."""
    if channel_slug:
        own = SupportContactOptions.objects.filter(channel__slug=channel_slug).first()
        if own is not None:
            return _as_options(own, channel_slug)
    return _as_options(
        SupportContactOptions.objects.filter(is_default=True).first(), None
    )


def configured() -> Dict[Optional[str], ContactOptions]:
    """Every row set, by channel slug (None: the default) - the console."""
    return {
        (row.channel.slug if row.channel_id else None): _as_options(
            row, row.channel.slug if row.channel_id else None
        )
        for row in SupportContactOptions.objects.select_related("channel")
    }


def _validated(email: str, phone: str, chat_url: str, hours: str) -> dict:
    email = clean_text(email, "email", 254, False)
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise SupportRefusal(
                "invalid_email", "Not a valid e-mail address.", "email"
            ) from None
    chat_url = clean_text(chat_url, "chat_url", 500, False)
    if chat_url:
        try:
            URLValidator(schemes=["https", "http"])(chat_url)
        except ValidationError:
            raise SupportRefusal(
                "invalid_url", "The chat link must be an http(s) URL.", "chat_url"
            ) from None
    return {
        "email": email,
        "phone": clean_text(phone, "phone", 64, False),
        "chat_url": chat_url,
        "hours": clean_text(hours, "hours", 200, False),
    }


def set_contact_options(
    channel_slug: Optional[str],
    email: str = "",
    phone: str = "",
    chat_url: str = "",
    hours: str = "",
) -> ContactOptions:
    """Set the options of one channel (or the default, ``channel_slug``
    None). All empty removes the channel's own options (its buyers see the
    default again)."""
    fields = _validated(email, phone, chat_url, hours)
    channel_id = _channel_id(channel_slug) if channel_slug else None
    lookup = {"channel_id": channel_id} if channel_id else {"is_default": True}
    with transaction.atomic():
        if channel_id and not any(fields.values()):
            SupportContactOptions.objects.filter(**lookup).delete()
            return contact_options(channel_slug)
        try:
            with transaction.atomic():
                row, _ = SupportContactOptions.objects.update_or_create(
                    defaults={**fields, "updated_at": timezone.now()}, **lookup
                )
        except IntegrityError:  # another save created it a moment ago
            row = SupportContactOptions.objects.get(**lookup)
            for name, value in fields.items():
                setattr(row, name, value)
            row.updated_at = timezone.now()
            row.save()
    return _as_options(row, channel_slug)

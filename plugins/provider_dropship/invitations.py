"""Invitations: single-use, expiring set-password links for provider users.

Platform-created providers (staff create the provider and its owner), owners
inviting their staff, and approved applicants all get one. Only the SHA-256
of the token is stored; accepting locks the invitation row, so a link works
once even when it is clicked twice at the same moment.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Optional

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from plugins.core import outbox
from plugins.core.errors import ServiceRefusal

from . import links
from .domain import Onboarding, ProviderRole, ProviderStatus, normalize_phone
from .models import Provider, ProviderInvitation, ProviderUser

User = get_user_model()


class InvitationError(ServiceRefusal):
    INVALID = "invalid"
    REQUIRED = "required"
    INVALID_PHONE = "invalid_phone"
    EMAIL_TAKEN = "email_taken"
    INVALID_TOKEN = "invalid_token"
    TOKEN_USED = "token_used"
    TOKEN_EXPIRED = "token_expired"
    INVALID_PASSWORD = "invalid_password"
    NOT_FOUND = "not_found"


def ttl() -> timedelta:
    hours = float(getattr(settings, "FLASH_PROVIDER_INVITATION_TTL_HOURS", 72))
    return timedelta(hours=hours)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class IssuedInvitation:
    invitation: ProviderInvitation
    token: str  # only in the e-mail (and to tests); never stored


@dataclass(frozen=True)
class ProviderDetails:
    name: str
    email: str  # the owner's e-mail, also the provider's contact e-mail
    legal_name: str = ""
    tax_id: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    surety_bond: bool = False


def unique_provider_slug(name: str) -> str:
    base = (slugify(name) or "provider")[:90]
    slug, n = base, 1
    while Provider.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def check_new_user_email(email: str, field: str = "email") -> str:
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise InvitationError(
            InvitationError.INVALID, "Enter a valid e-mail.", field
        ) from None
    if User.objects.filter(email__iexact=email).exists():
        raise InvitationError(
            InvitationError.EMAIL_TAKEN,
            "A user with this e-mail already exists.",
            field,
        )
    return email


def create_provider_user(provider: Provider, email: str, role: ProviderRole):
    """A new Saleor user (no usable password until the invitation is
    accepted) working for ``provider``."""
    user = User.objects.create_user(email=email, is_active=True)
    user.set_unusable_password()
    user.save(update_fields=["password"])
    ProviderUser.objects.create(provider=provider, user=user, role=role.value)
    return user


def issue(provider: Provider, user, created_by_id: Optional[int]) -> IssuedInvitation:
    token = secrets.token_urlsafe(32)
    invitation = ProviderInvitation.objects.create(
        provider=provider,
        user=user,
        token_hash=token_hash(token),
        expires_at=timezone.now() + ttl(),
        created_by_id=created_by_id,
    )
    return IssuedInvitation(invitation, token)


def invitation_email_body(provider: Provider, token: str, intro: str) -> str:
    hours = int(ttl().total_seconds() // 3600)
    return (
        f"{intro}\n\n"
        f"Set your password to sign in to the provider portal for {provider.name}:\n"
        f"{links.set_password_link(token)}\n\n"
        f"The link works once and expires in {hours} hours.\n"
    )


def invite_provider(
    details: ProviderDetails, actor_id: Optional[int]
) -> IssuedInvitation:
    """Platform-created onboarding: the provider (invited until its owner
    sets a password), its owner user and the invitation e-mail, in one
    transaction."""
    name = (details.name or "").strip()
    if not name:
        raise InvitationError(InvitationError.REQUIRED, "Name the provider.", "name")
    phone = ""
    if details.contact_phone:
        phone = normalize_phone(details.contact_phone) or ""
        if not phone:
            raise InvitationError(
                InvitationError.INVALID_PHONE,
                "Enter a phone number: +86 or international format.",
                "contact_phone",
            )
    with transaction.atomic():
        email = check_new_user_email(details.email)
        provider = Provider.objects.create(
            name=name[:250],
            slug=unique_provider_slug(name),
            legal_name=details.legal_name[:250],
            tax_id=details.tax_id[:64],
            contact_name=details.contact_name[:250],
            contact_email=email,
            contact_phone=phone,
            surety_bond=details.surety_bond,
            status=ProviderStatus.INVITED.value,
            onboarding=Onboarding.INVITATION.value,
        )
        owner = create_provider_user(provider, email, ProviderRole.OWNER)
        issued = issue(provider, owner, actor_id)
        outbox.enqueue_email(
            email,
            f"You are invited to sell on our platform as {provider.name}",
            invitation_email_body(
                provider,
                issued.token,
                "The platform opened a provider account for you.",
            ),
            event_type="provider.invitation",
        )
    return issued


def invite_provider_user(
    provider_id: int, email: str, role: ProviderRole, actor_id: Optional[int]
) -> IssuedInvitation:
    """A new user of an existing provider (an owner inviting staff, or staff
    of the platform), with an invitation e-mail."""
    with transaction.atomic():
        provider = Provider.objects.filter(pk=provider_id).first()
        if provider is None:
            raise InvitationError(InvitationError.NOT_FOUND, "No such provider.")
        email = check_new_user_email(email)
        user = create_provider_user(provider, email, role)
        issued = issue(provider, user, actor_id)
        outbox.enqueue_email(
            email,
            f"You are invited to the provider portal of {provider.name}",
            invitation_email_body(
                provider, issued.token, f"You were added to {provider.name}."
            ),
            event_type="provider.invitation",
        )
    return issued


def accept_invitation(token: str, password: str):
    """Set the invited user's password; the link is then spent.

    Refused, with nothing changed: an unknown token (``invalid_token``), one
    already used (``token_used``), an expired one (``token_expired``), a weak
    password (``invalid_password``). Accepting the owner's invitation of an
    invited provider approves the provider.
    """
    if not token or not isinstance(token, str):
        raise InvitationError(InvitationError.INVALID_TOKEN, "Unknown link.", "token")
    with transaction.atomic():
        invitation = (
            ProviderInvitation.objects.select_for_update()
            .select_related("user", "provider")
            .filter(token_hash=token_hash(token))
            .first()
        )
        if invitation is None:
            raise InvitationError(
                InvitationError.INVALID_TOKEN, "Unknown link.", "token"
            )
        now = timezone.now()
        if invitation.used_at is not None:
            raise InvitationError(
                InvitationError.TOKEN_USED, "This link was already used.", "token"
            )
        if invitation.expires_at <= now:
            raise InvitationError(
                InvitationError.TOKEN_EXPIRED,
                "This link has expired: ask for a new invitation.",
                "token",
            )
        user = invitation.user
        try:
            validate_password(password or "", user)
        except ValidationError as error:
            raise InvitationError(
                InvitationError.INVALID_PASSWORD, " ".join(error.messages), "password"
            ) from None
        if not password or len(password) < 8:
            raise InvitationError(
                InvitationError.INVALID_PASSWORD,
                "Use at least 8 characters.",
                "password",
            )
        user.set_password(password)
        user.is_active = True
        user.save(update_fields=["password", "is_active"])
        invitation.used_at = now
        invitation.save(update_fields=["used_at"])
        provider = invitation.provider
        if provider.status == ProviderStatus.INVITED.value:
            provider.status = ProviderStatus.APPROVED.value
            provider.reviewed_at = now
            provider.save(update_fields=["status", "reviewed_at"])
    return user

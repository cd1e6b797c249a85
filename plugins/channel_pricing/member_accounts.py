"""Members' Saleor accounts: the reserved ``members.local`` domain.

A member is linked to its Saleor account by our ``ChannelMember`` row, never by
e-mail. The account's login is ``<external id>@<channel slug>.members.local``
(predictable on purpose: staff can read it), so the whole ``members.local``
domain is reserved: only ``create_member_user`` creates accounts in it, and no
other path (``accountRegister``, ``requestEmailChange``/``confirmEmailChange``,
``customerCreate``/``Update``, ``staffCreate``/``Update``, the ORM) may put an
address into it. The GraphQL paths refuse with a typed ``INVALID`` error on the
e-mail field (``graphql/member_accounts.py``); the model guard below refuses
every other save.

An account that already holds a member's address (registered before this
rule) is never adopted: the member gets an account of its own at a suffixed
address (``<id>+<random>@<slug>.members.local``).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from typing import Optional

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

MEMBER_EMAIL_DOMAIN = "members.local"
RESERVED_ADDRESS_MESSAGE = (
    "Addresses in the members.local domain are reserved for channel members."
)
_PLAIN_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
# Set on a user instance by create_member_user: the model guard lets it pass.
_MEMBER_ACCOUNT_MARK = "_flash_member_account"


def member_email(channel_slug: str, external_id: str, suffix: str = "") -> str:
    """The Saleor login of a member: unique per (channel, external id).

    Not the person's own e-mail: one person in two channels is two members,
    and Saleor's ``User.email`` is unique.
    """
    local = external_id
    if not _PLAIN_ID.match(external_id):
        digest = hashlib.sha256(external_id.encode("utf-8")).hexdigest()[:24]
        local = f"m-{digest}"
    if suffix:
        local = f"{local}+{suffix}"
    return f"{local}@{channel_slug}.{MEMBER_EMAIL_DOMAIN}"


def is_member_address(email: Optional[str]) -> bool:
    """True for any address in the reserved domain, whatever its case."""
    if not email or "@" not in email:
        return False
    domain = email.strip().rsplit("@", 1)[1].lower().rstrip(".")
    return domain == MEMBER_EMAIL_DOMAIN or domain.endswith("." + MEMBER_EMAIL_DOMAIN)


def refuse_member_address(email: Optional[str], field: str, code) -> None:
    """Raise a ValidationError on ``field`` with ``code`` for a reserved address."""
    if is_member_address(email):
        raise ValidationError({field: ValidationError(RESERVED_ADDRESS_MESSAGE, code)})


def create_member_user(channel_slug: str, external_id: str, **fields):
    """A new password-less, active, non-staff account for a member.

    Never an existing account: when the predictable address is taken (by an
    account registered before the domain was reserved), a random suffix makes
    a fresh one. Call inside the transaction that creates the member row.
    """
    user_model = get_user_model()
    email = member_email(channel_slug, external_id)
    if user_model.objects.filter(email__iexact=email).exists():
        email = member_email(channel_slug, external_id, secrets.token_hex(6))
    user = user_model(email=email, is_active=True, is_staff=False, **fields)
    user.set_unusable_password()
    setattr(user, _MEMBER_ACCOUNT_MARK, True)
    user.save()
    return user


def guard_member_domain(sender, instance, update_fields=None, **_kwargs) -> None:
    """pre_save of Saleor's User: only our member accounts live in the domain.

    Saves that leave the e-mail as it is pass (a member's account is saved by
    Saleor for ``last_login``, addresses, names).
    """
    if not is_member_address(instance.email):
        return
    if getattr(instance, _MEMBER_ACCOUNT_MARK, False):
        return
    if update_fields is not None and "email" not in update_fields:
        return
    if (
        instance.pk is not None
        and sender.objects.filter(pk=instance.pk, email=instance.email).exists()
    ):
        return
    raise ValidationError(
        {"email": ValidationError(RESERVED_ADDRESS_MESSAGE, "invalid")}
    )

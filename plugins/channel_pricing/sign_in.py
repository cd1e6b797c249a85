"""Channel single sign-on: verify the entry token, provision the member, hand over.

A rejected token changes nothing: verification and the single-use record of
``jti`` come before any user is created or updated, all in one transaction.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone
from typing import Optional

from django.db import IntegrityError, transaction
from django.utils import timezone
from graphql_jwt.settings import jwt_settings

from .domain import ChannelStatus
from .error_codes import ChannelErrorCode
from .member_accounts import (  # noqa: F401 (member_email: re-exported)
    MEMBER_EMAIL_DOMAIN,
    create_member_user,
    member_email,
)
from .models import Channel, ChannelMember, UsedSignInToken
from .sign_in_listeners import notify_sign_in_claims
from .sso import (
    CLOCK_SKEW_LEEWAY_SECONDS,
    ChannelKeys,
    SignInClaims,
    SignInRefused,
    verify_sign_in_token,
)

# Used jti values are kept this long past their token's expiry (plus leeway):
# a process whose clock runs behind, even by far more than the leeway, still
# finds the jti and refuses a replay.
USED_TOKEN_RETENTION = timedelta(hours=1)


@dataclass(frozen=True)
class SignInResult:
    member: ChannelMember
    saleor_token: str  # use as ``Authorization: JWT <token>`` on /graphql/
    created: bool
    # When the token expires, and until when ``tokenRefresh`` renews it.
    token_expires_at: Optional[datetime] = None
    refresh_expires_at: Optional[datetime] = None


def _saleor_token(member: ChannelMember, created: bool) -> SignInResult:
    """A Saleor JWT for the member's account, as ``tokenCreate`` makes it."""
    payload = jwt_settings.JWT_PAYLOAD_HANDLER(member.user)
    expires_at = payload["exp"].replace(tzinfo=dt_timezone.utc)
    refresh_expires_at = None
    if jwt_settings.JWT_ALLOW_REFRESH and "origIat" in payload:
        refresh_expires_at = (
            _as_datetime(payload["origIat"]) + jwt_settings.JWT_REFRESH_EXPIRATION_DELTA
        )
    return SignInResult(
        member=member,
        saleor_token=jwt_settings.JWT_ENCODE_HANDLER(payload),
        created=created,
        token_expires_at=expires_at,
        refresh_expires_at=refresh_expires_at,
    )


def channel_keys(channel: Channel) -> ChannelKeys:
    secrets = [channel.sso_secret]
    if channel.sso_secret_previous:
        secrets.append(channel.sso_secret_previous)
    return ChannelKeys(
        slug=channel.slug,
        active=channel.status == ChannelStatus.ACTIVE.value,
        secrets=tuple(secrets),
    )


def sign_in(channel_slug: str, token: str, now: Optional[float] = None) -> SignInResult:
    """Verify a channel's sign-in token and return the member with a Saleor JWT.

    Raises ``SignInRefused`` (with a ``ChannelErrorCode``) and changes nothing
    when the channel or the token is refused.
    """
    now = time.time() if now is None else now
    channel = Channel.objects.filter(slug=channel_slug).first()
    if channel is None:
        raise SignInRefused(ChannelErrorCode.UNKNOWN_CHANNEL, "No such channel.")
    claims = verify_sign_in_token(token, channel_keys(channel), now)
    with transaction.atomic():
        _use_token_id(channel, claims, now)
        member, created = _provision_member(channel, claims)
        notify_sign_in_claims(channel.pk, claims)
    return _saleor_token(member, created)


def _as_datetime(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=dt_timezone.utc)


def _use_token_id(channel: Channel, claims: SignInClaims, now: float) -> None:
    """Record ``jti`` as used; a second use fails on the unique key.

    A concurrent insert of the same key waits for the first transaction and
    then fails, so exactly one of many racing sign-ins succeeds.
    """
    try:
        with transaction.atomic():
            UsedSignInToken.objects.create(
                channel=channel,
                jti=claims.jti,
                expires_at=_as_datetime(claims.expires_at + CLOCK_SKEW_LEEWAY_SECONDS),
                used_at=_as_datetime(now),
            )
    except IntegrityError:
        raise SignInRefused(
            ChannelErrorCode.TOKEN_REUSED, "This token has already been used."
        ) from None


def _provision_member(channel: Channel, claims: SignInClaims):
    member = (
        ChannelMember.objects.select_for_update()
        .select_related("user", "channel")
        .filter(channel=channel, external_id=claims.external_id)
        .first()
    )
    created = member is None
    if created:
        member = _create_member(channel, claims)
    user = member.user
    if not user.is_active:
        raise SignInRefused(
            ChannelErrorCode.MEMBER_DISABLED, "This member's account is disabled."
        )
    if user.is_staff or user.is_superuser:
        # A channel's token must never yield a staff JWT, even for an account
        # that became staff after it was a member's.
        raise SignInRefused(
            ChannelErrorCode.MEMBER_IS_STAFF,
            "This member's account is a staff account; it cannot sign in "
            "through a channel.",
        )
    for field in ("name", "email", "phone"):
        value = getattr(claims, field)
        if value is not None:
            setattr(member, field, value)
    member.last_sign_in_at = timezone.now()
    member.save()
    if claims.name:
        first, _, last = claims.name.partition(" ")
        if (user.first_name, user.last_name) != (first, last):
            user.first_name, user.last_name = first[:256], last[:256]
            user.save(update_fields=["first_name", "last_name"])
    return member, created


def _create_member(channel: Channel, claims: SignInClaims) -> ChannelMember:
    """A new member with a new password-less Saleor customer account.

    Never an existing account, even one holding the member's address: members
    are linked to accounts by this row only (``member_accounts``).
    Two first sign-ins of one member racing: the loser's insert fails on the
    (channel, external_id) key, its account is rolled back with it, and it
    reads the winner's member instead.
    """
    try:
        with transaction.atomic():
            user = create_member_user(channel.slug, claims.external_id)
            return ChannelMember.objects.create(
                channel=channel, external_id=claims.external_id, user=user
            )
    except IntegrityError:
        return (
            ChannelMember.objects.select_for_update()
            .select_related("user", "channel")
            .get(channel=channel, external_id=claims.external_id)
        )


def purge_used_token_ids(now: Optional[datetime] = None) -> int:
    """Forget used ``jti`` values whose tokens expired (past the leeway) more
    than ``USED_TOKEN_RETENTION`` ago, so clock skew between processes cannot
    reopen a replay."""
    cutoff = (now or timezone.now()) - USED_TOKEN_RETENTION
    deleted, _ = UsedSignInToken.objects.filter(expires_at__lt=cutoff).delete()
    return deleted

"""newsletterSubscribe for storefronts and the staff list. Thin: input
conversion, one service call, typed errors."""

from __future__ import annotations

import graphene
from saleor.graphql.core.types.common import Error
from saleor.graphql.decorators import permission_required

from plugins.core.graphql.mutations import TranslatingMutation, on_field
from plugins.core.rate_limit import Limit, allow, client_address

from ..newsletter import services
from ..newsletter.domain import NewsletterRefusal, SignUpSource, SubscriptionStatus
from ..newsletter.error_codes import NewsletterErrorCode
from ..permissions import EngagementPermissions


class NewsletterErrorCodeEnum(graphene.Enum):
    class Meta:
        enum = NewsletterErrorCode
        name = "NewsletterErrorCode"


class SignUpSourceEnum(graphene.Enum):
    class Meta:
        enum = SignUpSource
        name = "NewsletterSignUpSource"


class SubscriptionStatusEnum(graphene.Enum):
    class Meta:
        enum = SubscriptionStatus
        name = "NewsletterSubscriptionStatus"


# Per address: a few sign-ups an hour, whoever sends them.
PER_EMAIL = Limit(5, 3600)


class NewsletterError(Error):
    code = NewsletterErrorCodeEnum(description="The error code.", required=True)


def _field_of(error: NewsletterRefusal):
    return on_field(error.field or "email")(error)


class NewsletterSubscribe(TranslatingMutation):
    ok = graphene.Boolean(
        description="True when accepted (null with errors): whether the address "
        "was new, "
        "pending or already confirmed is not told.",
    )

    class Arguments:
        email = graphene.String(required=True)
        channel = graphene.String(description="Slug of the channel the form is in.")
        source = SignUpSourceEnum(
            description="Where the form is (default OTHER); the product page: "
            "PRODUCT_PAGE."
        )

    class Meta:
        description = (
            "Sign an address up for the newsletter (no sign-in needed). Double "
            "opt-in: a confirmation e-mail with a signed link is sent; nothing "
            "else is mailed before it is followed. Signing up again is harmless "
            "(no second entry; the confirmation is re-sent at most every "
            "FLASH_NEWSLETTER_RESEND_SECONDS). Rate-limited per client address "
            "and per e-mail address (RATE_LIMITED)."
        )
        error_type_class = NewsletterError
        error_type_field = "newsletter_errors"

    translated_errors = {NewsletterRefusal: _field_of}

    @classmethod
    def perform_mutation(cls, _root, info, email, channel=None, source=None):
        from django.conf import settings

        per_ip = Limit(int(getattr(settings, "FLASH_NEWSLETTER_RATE_PER_IP", 10)), 60)
        if not allow("newsletter-ip", client_address(info.context), per_ip) or not (
            allow("newsletter-email", (email or "").strip().lower(), PER_EMAIL)
        ):
            raise NewsletterRefusal(
                NewsletterErrorCode.RATE_LIMITED.value,
                "Too many sign-ups; try again later.",
                "email",
            )
        services.subscribe(
            email,
            getattr(source, "value", source) or SignUpSource.OTHER.value,
            channel,
        )
        return NewsletterSubscribe(ok=True)


class NewsletterSubscription(graphene.ObjectType):
    email = graphene.String(required=True)
    status = SubscriptionStatusEnum(required=True)
    channel = graphene.String(description="The channel's slug.")
    source = SignUpSourceEnum(required=True)
    signed_up_at = graphene.DateTime(required=True)
    consented_at = graphene.DateTime(
        description="When the address's owner confirmed (double opt-in)."
    )
    unsubscribed_at = graphene.DateTime()

    class Meta:
        description = "An address on the newsletter list."

    @staticmethod
    def resolve_channel(root, _info):
        return root.channel.slug if root.channel_id else None

    @staticmethod
    def resolve_signed_up_at(root, _info):
        return root.created_at


class NewsletterQueries(graphene.ObjectType):
    newsletter_subscriptions = graphene.List(
        graphene.NonNull(NewsletterSubscription),
        status=SubscriptionStatusEnum(),
        search=graphene.String(description="Part of the address."),
        first=graphene.Int(default_value=100, description="At most 1000."),
        offset=graphene.Int(default_value=0),
        description="The newsletter list, newest first (staff: "
        "MANAGE_NEWSLETTER). The console exports it as CSV.",
    )

    @permission_required(EngagementPermissions.MANAGE_NEWSLETTER)
    def resolve_newsletter_subscriptions(
        self, _info, status=None, search=None, first=100, offset=0
    ):
        first = max(0, min(int(first or 0), 1000))
        offset = max(0, int(offset or 0))
        rows = services.subscriptions(getattr(status, "value", status), search)
        return list(rows[offset : offset + first])


class NewsletterMutations(graphene.ObjectType):
    newsletter_subscribe = NewsletterSubscribe.Field()

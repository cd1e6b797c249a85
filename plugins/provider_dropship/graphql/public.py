"""Public mutations: applicants (carrying their signed draft token) and
invited users (carrying their set-password token)."""

import graphene
from django.conf import settings
from saleor.graphql.core.types import Upload

from plugins.core import rate_limit

from .. import invitations, onboarding
from .base import ProviderPublicMutation
from .types import ProviderApplication


def create_limit() -> rate_limit.Limit:
    """Sign-ups per client address and hour (0 turns the brake off)."""
    count = int(getattr(settings, "FLASH_PROVIDER_APPLICATIONS_PER_HOUR", 20))
    return rate_limit.Limit(count=count, seconds=3600)


ProviderDocumentKindEnum = graphene.Enum(
    "ProviderDocumentKind",
    [(kind.upper(), kind) for kind in onboarding.DOCUMENT_KINDS],
)


class ProviderApplicationInput(graphene.InputObjectType):
    company_name = graphene.String()
    legal_name = graphene.String()
    tax_id = graphene.String()
    contact_name = graphene.String()
    contact_phone = graphene.String(description="+86 or international format.")
    email = graphene.String()
    surety_bond = graphene.Boolean()
    street_address = graphene.String()
    city = graphene.String()
    postal_code = graphene.String()
    country = graphene.String(description="ISO 3166-1 alpha-2.")
    country_area = graphene.String()


def _input(data) -> onboarding.ApplicationInput:
    return onboarding.ApplicationInput(**dict(data or {}))


class ProviderApplicationCreate(ProviderPublicMutation):
    application = graphene.Field(ProviderApplication)
    token = graphene.String(description="The draft token (also e-mailed as a link).")

    class Arguments:
        input = ProviderApplicationInput(required=True)

    class Meta:
        description = "Start a provider application (no account needed)."

    @classmethod
    def perform_mutation(cls, _root, info, input):
        if not rate_limit.allow(
            "provider-application",
            rate_limit.client_address(info.context),
            create_limit(),
        ):
            raise onboarding.ApplicationError(
                onboarding.ApplicationError.RATE_LIMITED,
                "Too many applications from this address; try later.",
            )
        access = onboarding.create_application(_input(input))
        return cls(application=access.application, token=access.token)


class ProviderApplicationUpdate(ProviderPublicMutation):
    application = graphene.Field(ProviderApplication)

    class Arguments:
        token = graphene.String(required=True)
        input = ProviderApplicationInput(required=True)

    class Meta:
        description = "Change a draft (or an application sent back for changes)."

    @classmethod
    def perform_mutation(cls, _root, _info, token, input):
        return cls(application=onboarding.update_application(token, _input(input)))


class ProviderApplicationUpload(ProviderPublicMutation):
    application = graphene.Field(ProviderApplication)

    class Arguments:
        token = graphene.String(required=True)
        kind = ProviderDocumentKindEnum(required=True)
        file = Upload(required=True, description="PDF, JPEG or PNG, 10 MB at most.")

    class Meta:
        description = "Attach a document to a draft (multipart request)."

    @classmethod
    def perform_mutation(cls, _root, info, token, kind, file):
        upload = info.context.FILES.get(file)
        kind = getattr(kind, "value", kind)
        return cls(application=onboarding.attach_document(token, kind, upload))


class ProviderApplicationSubmit(ProviderPublicMutation):
    application = graphene.Field(ProviderApplication)

    class Arguments:
        token = graphene.String(required=True)

    class Meta:
        description = "Send a complete application for review."

    @classmethod
    def perform_mutation(cls, _root, _info, token):
        return cls(application=onboarding.submit_application(token))


class ProviderInvitationAccept(ProviderPublicMutation):
    email = graphene.String()

    class Arguments:
        token = graphene.String(required=True)
        password = graphene.String(required=True)

    class Meta:
        description = "Set your password from an invitation link (single use)."

    @classmethod
    def perform_mutation(cls, _root, _info, token, password):
        user = invitations.accept_invitation(token, password)
        return cls(email=user.email)

"""The three kinds of provider mutation: staff (MANAGE_PROVIDERS), provider
users (the provider comes from the signed-in user, never from an id sent)
and public ones (applicants and invitees, who carry a signed link token)."""

from __future__ import annotations

from plugins.core.graphql.mutations import TranslatingMutation

from ..memberships import ProviderMembership, require_membership
from ..permissions import ProviderPermissions
from .errors import TRANSLATED, ProviderError

ERRORS = {"error_type_class": ProviderError, "error_type_field": "provider_errors"}


class ProviderStaffMutation(TranslatingMutation):
    meta_defaults = {"permissions": (ProviderPermissions.MANAGE_PROVIDERS,), **ERRORS}
    translated_errors = TRANSLATED

    class Meta:
        abstract = True


class ProviderUserMutation(TranslatingMutation):
    """Signed-in provider users only; ``membership(info)`` is their provider."""

    meta_defaults = dict(ERRORS)
    translated_errors = TRANSLATED
    owner_only = False

    class Meta:
        abstract = True

    @classmethod
    def membership(cls, info) -> ProviderMembership:
        return require_membership(info.context.user, owner=cls.owner_only)


class ProviderPublicMutation(TranslatingMutation):
    meta_defaults = dict(ERRORS)
    translated_errors = TRANSLATED

    class Meta:
        abstract = True


def user_id(info):
    user = info.context.user
    return user.pk if getattr(user, "is_authenticated", False) else None

"""Who may use the portal: a signed-in, active Saleor user linked to a provider
(``provider_dropship.memberships``). Every portal view is wrapped in
``provider_required``, which puts the membership on ``request.membership``;
views pass ``request.membership.provider_id`` to the services, which only ever
read or change that provider's rows (an id of another provider's row is a 404).
"""

from __future__ import annotations

from functools import wraps
from typing import Optional

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render

from plugins.provider_dropship.memberships import (
    ProviderAccessError,
    ProviderMembership,
    require_membership,
)

LOGIN_PATH = "/provider/login/"
HOME_PATH = "/provider/"


def membership_of(user) -> Optional[ProviderMembership]:
    """The user's provider membership, or None (signed out, inactive, not a
    provider user, or a rejected provider)."""
    try:
        return require_membership(user)
    except ProviderAccessError:
        return None


def provider_required(view):
    """No session → the portal sign-in; a user with no provider → 403."""

    @wraps(view)
    def guarded(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), LOGIN_PATH)
        membership = membership_of(request.user)
        if membership is None:
            return render(request, "provider_portal/not_a_provider.html", status=403)
        request.membership = membership
        return view(request, *args, **kwargs)

    return guarded

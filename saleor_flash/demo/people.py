"""Demo sign-ins: a staff merchandiser for the console and a storefront shopper."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from . import data
from .summary import Tally


def ensure_login(email: str, first_name: str, is_staff: bool, tally: Tally):
    """An active user with the documented demo password (reset on every run)."""
    user_model = get_user_model()
    user = user_model.objects.filter(email=email).first()
    created = user is None
    if created:
        user = user_model(email=email, first_name=first_name, last_name="Demo")
    user.is_staff = is_staff
    user.is_active = True
    user.set_password(data.DEMO_PASSWORD)
    user.save()
    tally.record("users", created)
    return user


def merchandiser_permissions():
    """Saleor 2.10 permissions as django Permission rows (assigned per user)."""
    permissions = []
    for app_label, codename in data.MERCHANDISER_PERMISSIONS:
        # filter, not get: an app may declare one codename on two models
        # (provider_dropship's manage_providers, until the branches merge).
        rows = list(
            Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            )
        )
        if not rows:
            raise Permission.DoesNotExist(f"{app_label}.{codename}")
        permissions += rows
    return permissions


def ensure_merchandiser(tally: Tally):
    user = ensure_login(data.MERCHANDISER_EMAIL, "Merchandiser", True, tally)
    user.user_permissions.add(*merchandiser_permissions())
    return user


def ensure_shopper(tally: Tally):
    return ensure_login(data.SHOPPER_EMAIL, "Shopper", False, tally)

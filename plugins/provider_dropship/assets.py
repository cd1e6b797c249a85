"""Advertising assets: images a provider uploads once and reuses across
listings, stored with Django's storage API (``default_storage`` through the
model's ``FileField``)."""

from __future__ import annotations

from typing import Iterable, List

from django.core.files.base import File
from django.db.models import QuerySet

from . import uploads
from .domain import IMAGE_TYPES, MAX_IMAGE_BYTES
from .models import ProviderAsset


def upload_asset(provider_id: int, upload, title: str = "") -> ProviderAsset:
    """Store an image (JPEG, PNG or WebP, 5 MB at most; the type is read from
    the bytes): ``UploadError`` otherwise, nothing stored."""
    content_type = uploads.checked_content_type(
        upload, IMAGE_TYPES, MAX_IMAGE_BYTES, "file"
    )
    asset = ProviderAsset(
        provider_id=provider_id,
        content_type=content_type,
        size=upload.size,
        title=(title or "").strip()[:250],
    )
    asset.file.save(uploads.stored_name(content_type), File(upload), save=False)
    asset.save()
    return asset


def provider_assets(provider_id: int) -> QuerySet:
    return ProviderAsset.objects.filter(provider_id=provider_id)


def own_asset_ids(provider_id: int, asset_ids: Iterable[int]) -> List[int]:
    """The ids among ``asset_ids`` that are the provider's own."""
    wanted = set(asset_ids)
    return list(
        provider_assets(provider_id).filter(pk__in=wanted).values_list("pk", flat=True)
    )

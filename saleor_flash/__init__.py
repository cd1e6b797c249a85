"""Saleor Flash host: Saleor 2.10.1 settings, URLs and schema, extended by us."""

from .celeryconf import app as celery_app  # noqa: F401

__all__ = ["celery_app"]

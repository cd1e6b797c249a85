"""The current Site (with its SiteSettings) cached per process, never stale.

Saleor keeps the current Site in a per-process cache
(``saleor/site/patch_sites.py``). Its ``site`` middleware reloads it whenever
``request.site`` is used, but code that calls ``Site.objects.get_current()``
directly (``saleor.core.taxes``, the weight scalar, absolute URLs) keeps
whatever its process loaded last: with several processes, one would go on
serving a Site or SiteSettings another has changed.

A stamp in the shared cache (Redis) names the latest change:

- saving or deleting a Site or SiteSettings drops the saving process's cache
  at once and, when its transaction commits, writes a new stamp (before the
  response leaves, so a client that saw the change never reads the old value
  from another process);
- a unit of work (a request, a Celery task) compares the stamp with the one
  its process's cache was loaded under, the first time it needs the Site, and
  drops the cache when they differ. The stamp is read before the Site is
  loaded, so the cache never holds data older than its stamp. A request that
  never touches the Site pays nothing; one that finds the cache empty (as
  Saleor's ``site`` middleware leaves it) loads from PostgreSQL without
  asking Redis, and the next unit checks the stamp before trusting it.
- no stamp in Redis (flushed) starts a new one, which every process reloads
  for; Redis unreachable: every unit reads PostgreSQL (fail closed).

Changes that bypass model signals (``QuerySet.update()``, raw SQL, another
service's writes) are not seen; nothing here makes them.
"""

from __future__ import annotations

import logging
import threading
import uuid
from typing import Optional

from django.contrib.sites.models import Site, SiteManager
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from saleor.site import patch_sites
from saleor.site.models import SiteSettings

logger = logging.getLogger(__name__)

STAMP_KEY = "flash:site-version"

# The cache holds data of unknown age: the next unit must reload it.
_UNKNOWN = object()
_loaded_under: object = _UNKNOWN
_unit = threading.local()
_saleor_get_current = None


def begin_unit() -> None:
    """A request or task starts: check the stamp the first time it needs the Site."""
    _unit.check_pending = True


def _read_stamp() -> Optional[str]:
    """The current stamp, a new one if Redis has none, None if Redis fails."""
    try:
        stamp = cache.get(STAMP_KEY)
        if stamp is None:
            cache.add(STAMP_KEY, uuid.uuid4().hex, timeout=None)
            stamp = cache.get(STAMP_KEY)
        return stamp
    except Exception:  # Redis down: PostgreSQL it is
        logger.warning("site version stamp unreadable; reloading the Site")
        return None


def _drop_locked() -> None:
    # Saleor's clear_cache() takes patch_sites.lock itself (not re-entrant).
    patch_sites.THREADED_SITE_CACHE = {}


def ensure_fresh() -> None:
    """Drop the process's Site cache unless it was loaded under the current stamp."""
    global _loaded_under
    if not patch_sites.THREADED_SITE_CACHE:
        # Empty: it is about to be loaded from PostgreSQL, fresh; its stamp
        # is unknown, so the next unit reloads once and records one.
        with patch_sites.lock:
            _loaded_under = _UNKNOWN
        return
    stamp = _read_stamp()
    # Saleor loads the Site while holding the same lock, so a load cannot
    # land in the cache between this comparison and the clearing.
    with patch_sites.lock:
        if stamp is None or stamp != _loaded_under:
            _drop_locked()
            _loaded_under = stamp if stamp is not None else _UNKNOWN


def get_current(self, request=None):
    if getattr(_unit, "check_pending", False):
        _unit.check_pending = False
        ensure_fresh()
    return _saleor_get_current(self, request)


def forget() -> None:
    """Drop this process's cache (its instances may carry unsaved changes)."""
    global _loaded_under
    with patch_sites.lock:
        _drop_locked()
        _loaded_under = _UNKNOWN


def _write_stamp() -> None:
    try:
        cache.set(STAMP_KEY, uuid.uuid4().hex, timeout=None)
    except Exception:
        # Other processes cannot read a stamp either while Redis is down, so
        # they read PostgreSQL; a Redis that comes back with the old stamp
        # would not be seen, hence the error.
        logger.exception("could not write the site version stamp")


def _site_changed(sender, **kwargs) -> None:
    forget()
    transaction.on_commit(_write_stamp)


def install() -> None:
    """Wrap Saleor's ``get_current`` and watch Site/SiteSettings (once, at start-up)."""
    global _saleor_get_current
    if _saleor_get_current is not None:
        return
    _saleor_get_current = SiteManager.get_current
    SiteManager.get_current = get_current
    for model in (Site, SiteSettings):
        post_save.connect(_site_changed, sender=model, dispatch_uid=f"flash-{model}")
        post_delete.connect(
            _site_changed, sender=model, dispatch_uid=f"flash-del-{model}"
        )
    from celery.signals import task_prerun

    task_prerun.connect(lambda **_: begin_unit(), weak=False)

"""Statistics: write-only ingestion keys, the raw event table (partitioned by
day, created by a RunSQL migration; managed, so ``flush`` truncates it) and
the hourly roll-ups analysis reads."""

import secrets

from django.db import models
from django.utils import timezone

__all__ = [
    "EventKey",
    "Event",
    "HourlyRollup",
    "TimeOnPageRollup",
    "DirtyHour",
    "ScopeRollup",
]


def new_public_key() -> str:
    return "pk_ev_" + secrets.token_urlsafe(24)


class EventKey(models.Model):
    """A storefront's or a channel's public, write-only key: it adds events to
    ``/events/v1/batch`` and nothing else (no endpoint reads with it)."""

    name = models.CharField(max_length=100)
    public_key = models.CharField(
        max_length=64, unique=True, default=new_public_key, editable=False
    )
    channel = models.ForeignKey(
        "channel_pricing.Channel",
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.CASCADE,
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("pk",)
        permissions = (("view_statistics", "View storefront statistics."),)

    def __str__(self):
        return self.name


class Event(models.Model):
    """One raw event (append-only). Partitioned by ``occurred_at`` (one
    partition a day); unique on (event_id, occurred_at). No IP address, no
    e-mail: the member's id only."""

    event_id = models.UUIDField(primary_key=True)
    occurred_at = models.DateTimeField()
    received_at = models.DateTimeField()
    kind = models.CharField(max_length=24)
    key_id = models.IntegerField(null=True)
    channel_id = models.IntegerField(null=True)
    member_id = models.IntegerField(null=True)
    session_id = models.CharField(max_length=64)
    client_id = models.CharField(max_length=64)
    page = models.CharField(max_length=16)
    entry_point = models.CharField(max_length=16)
    product_id = models.IntegerField(null=True)
    variant_id = models.IntegerField(null=True)
    sale_id = models.IntegerField(null=True)
    utm_source = models.CharField(max_length=100)
    utm_medium = models.CharField(max_length=100)
    utm_campaign = models.CharField(max_length=100)
    utm_term = models.CharField(max_length=100)
    utm_content = models.CharField(max_length=100)
    time_on_page_ms = models.IntegerField(null=True)
    engaged_ms = models.IntegerField(null=True)
    share_target = models.CharField(max_length=32)
    checkout_token = models.UUIDField(null=True)
    order_id = models.IntegerField(null=True)
    quantity = models.IntegerField(null=True)

    class Meta:
        db_table = "engagement_event"


class HourlyRollup(models.Model):
    """Events of one hour per kind, channel, sale, product and entry point.
    Rebuilt whole for an hour (delete + insert in one transaction), so a
    re-roll is idempotent. 0 stands for "none" in the id columns."""

    hour = models.DateTimeField()
    kind = models.CharField(max_length=24)
    channel_id = models.IntegerField(default=0)
    sale_id = models.IntegerField(default=0)
    product_id = models.IntegerField(default=0)
    entry_point = models.CharField(max_length=16, blank=True, default="")
    events = models.IntegerField(default=0)
    sessions = models.IntegerField(default=0)
    quantity = models.IntegerField(default=0)
    time_on_page_ms = models.BigIntegerField(default=0)
    engaged_ms = models.BigIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["hour"], name="engagement_rollup_hour"),
            models.Index(fields=["sale_id", "hour"], name="engagement_rollup_sale"),
            models.Index(
                fields=["channel_id", "hour"], name="engagement_rollup_channel"
            ),
            models.Index(
                fields=["product_id", "hour"], name="engagement_rollup_product"
            ),
        ]


class TimeOnPageRollup(models.Model):
    """Page leaves of one hour per channel, sale and product in log-spaced
    time buckets (``domain.time_bucket``): percentiles without raw events."""

    hour = models.DateTimeField()
    channel_id = models.IntegerField(default=0)
    sale_id = models.IntegerField(default=0)
    product_id = models.IntegerField(default=0)
    bucket = models.SmallIntegerField()
    pages = models.IntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["hour"], name="engagement_top_hour"),
            models.Index(fields=["sale_id", "hour"], name="engagement_top_sale"),
        ]


class DirtyHour(models.Model):
    """An hour with events not yet in the roll-ups. Every insert sets
    ``generation`` to a new value of a sequence in its own transaction; the
    roll-up deletes the row only if the generation it rolled is still the
    current one."""

    hour = models.DateTimeField(primary_key=True)
    generation = models.BigIntegerField(default=1)


class ScopeRollup(models.Model):
    """Event counts per kind for one scope (all events, one sale, one channel
    or one product) over an hour (``period`` "h") or a UTC day ("d"). Built
    from the hourly roll-up with it; a funnel over any range reads at most
    ~7 rows per day plus its partial days' hours, however many events the
    table holds."""

    period = models.CharField(max_length=1)
    period_start = models.DateTimeField()
    scope = models.CharField(max_length=8)
    scope_id = models.IntegerField(default=0)
    kind = models.CharField(max_length=24)
    events = models.BigIntegerField(default=0)
    quantity = models.BigIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(
                fields=["scope", "scope_id", "period", "period_start"],
                name="engagement_scope_lookup",
            ),
            models.Index(fields=["period", "period_start"], name="engagement_scope_at"),
        ]

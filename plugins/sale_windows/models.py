import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from plugins.core.choices import choices

from .domain import ReservationState, SaleKind


class FlashSale(models.Model):
    name = models.CharField(max_length=250)
    kind = models.CharField(
        max_length=32, choices=choices(SaleKind), default=SaleKind.WHILE_SUPPLIES_LAST
    )
    starts_at = models.DateTimeField(db_index=True)
    ends_at = models.DateTimeField(db_index=True)
    channels = models.ManyToManyField(
        "channel_pricing.Channel", blank=True, related_name="flash_sales"
    )
    description = models.TextField(blank=True)
    media_url = models.URLField(blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # Pre-orders: the date buyers are told it ships by, and the minimum of
    # units sold (all items) that confirms the sale when the window ends.
    ships_by = models.DateField(null=True, blank=True)
    minimum_quantity = models.PositiveIntegerField(null=True, blank=True)
    settled_at = models.DateTimeField(null=True, blank=True)
    settlement = models.CharField(max_length=16, blank=True, default="")
    # Guests may not hold units (channel sales need members in any case).
    sign_in_required = models.BooleanField(default=False)

    class Meta:
        ordering = ("starts_at", "pk")
        constraints = [
            models.CheckConstraint(
                check=models.Q(ends_at__gt=models.F("starts_at")),
                name="flash_sale_ends_after_start",
            )
        ]

    def __str__(self):
        return self.name


class FlashSaleItem(models.Model):
    sale = models.ForeignKey(FlashSale, related_name="items", on_delete=models.CASCADE)
    variant = models.ForeignKey(
        "product.ProductVariant", related_name="+", on_delete=models.CASCADE
    )
    currency = models.CharField(max_length=3, default=settings.DEFAULT_CURRENCY)
    sale_price_amount = models.DecimalField(max_digits=12, decimal_places=3)
    cap = models.PositiveIntegerField()
    sold = models.PositiveIntegerField(default=0)
    per_customer_limit = models.PositiveIntegerField(null=True, blank=True)
    # Bumped by every locked change of the item's holds or counts; the Redis
    # gate keeps only the newest published state (see gate.py).
    gate_version = models.BigIntegerField(default=0)
    # Voucher sales: each unit bought issues a Saleor voucher worth this much
    # off a later order, valid this many days.
    voucher_value_amount = models.DecimalField(
        max_digits=12, decimal_places=3, null=True, blank=True
    )
    voucher_valid_days = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ("pk",)
        unique_together = [("sale", "variant")]
        constraints = [
            models.CheckConstraint(
                check=models.Q(sold__lte=models.F("cap")), name="flash_item_sold_le_cap"
            ),
            models.CheckConstraint(
                check=models.Q(cap__gte=1), name="flash_item_cap_ge_1"
            ),
            models.CheckConstraint(
                check=models.Q(sale_price_amount__gt=0), name="flash_item_price_gt_0"
            ),
        ]


class Reservation(models.Model):
    # The public id: unguessable, so holding it is what allows a release.
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    item = models.ForeignKey(
        FlashSaleItem, related_name="reservations", on_delete=models.CASCADE
    )
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    # Lower-cased e-mail of the buyer (signed-in account or guest checkout):
    # the per-customer limit counts across all of this customer's orders.
    customer_key = models.CharField(max_length=254, blank=True, default="")
    checkout_token = models.UUIDField(null=True, blank=True, db_index=True)
    # The storefront's idempotency key of flashSaleReserve(checkout: …): a
    # retry with the same key returns this hold and its checkout.
    client_key = models.CharField(max_length=64, blank=True, default="")
    order = models.ForeignKey(
        "order.Order",
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.SET_NULL,
    )
    quantity = models.PositiveIntegerField()
    expires_at = models.DateTimeField(db_index=True)
    state = models.CharField(
        max_length=16,
        choices=choices(ReservationState),
        default=ReservationState.HELD,
        db_index=True,
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("pk",)
        indexes = [models.Index(fields=["item", "customer_key", "state"])]
        constraints = [
            # One open (held or lapsed, not yet released) hold per item and
            # checkout: a retried reserve updates it instead of holding twice.
            models.UniqueConstraint(
                fields=["item", "checkout_token"],
                condition=models.Q(state__in=["held", "expired"]),
                name="flash_one_open_hold_per_checkout",
            ),
            models.UniqueConstraint(
                fields=["customer_key", "client_key"],
                condition=~models.Q(client_key=""),
                name="flash_one_hold_per_client_key",
            ),
        ]


class AcceptedFlashUnits(models.Model):
    """Flash units a checkout's order was priced and paid for: written when
    checkoutComplete accepts the checkout, before payment (one row per hold
    the lines use), compared when the order sells its holds. A difference
    refuses the order and the payment is reversed; the rows go with the sale.
    """

    checkout_token = models.UUIDField(db_index=True)
    item = models.ForeignKey(FlashSaleItem, related_name="+", on_delete=models.CASCADE)
    units = models.PositiveIntegerField()
    sale_price_amount = models.DecimalField(max_digits=12, decimal_places=3)
    accepted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        unique_together = [("checkout_token", "item")]


class FlashSaleEvent(models.Model):
    """A sale started, ended or an item sold out; one row per event (the
    unique key makes redelivered Celery tasks harmless)."""

    STARTED = "started"
    ENDED = "ended"
    SOLD_OUT = "sold_out"

    sale = models.ForeignKey(FlashSale, related_name="events", on_delete=models.CASCADE)
    item = models.ForeignKey(
        FlashSaleItem, null=True, blank=True, related_name="+", on_delete=models.CASCADE
    )
    kind = models.CharField(max_length=16)
    # The order that sold the item out: an item sold out again after a
    # cancellation emits again; a redelivered task for the same order does not.
    order = models.ForeignKey(
        "order.Order",
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.SET_NULL,
    )
    scheduled_for = models.DateTimeField()
    occurred_at = models.DateTimeField(default=timezone.now)
    # The webhook written with the event (None: no webhook configured); its
    # state says whether it was delivered.
    outbox_message = models.OneToOneField(
        "flash_core.OutboxMessage",
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.SET_NULL,
    )

    @property
    def notified(self) -> bool:
        """The webhook was delivered (the receiver answered 2xx)."""
        message = self.outbox_message
        return message is not None and message.state == message.SENT

    class Meta:
        ordering = ("pk",)
        constraints = [
            models.UniqueConstraint(
                fields=["sale", "kind", "scheduled_for"],
                condition=models.Q(item__isnull=True),
                name="flash_one_window_event",
            ),
            models.UniqueConstraint(
                fields=["item", "kind", "order"],
                condition=models.Q(item__isnull=False),
                name="flash_one_item_event_per_order",
            ),
        ]


class IssuedVoucher(models.Model):
    """A Saleor voucher issued for one unit of a voucher sale."""

    reservation = models.ForeignKey(
        Reservation, related_name="vouchers", on_delete=models.CASCADE
    )
    order = models.ForeignKey(
        "order.Order", null=True, related_name="+", on_delete=models.SET_NULL
    )
    voucher = models.OneToOneField(
        "discount.Voucher", related_name="+", on_delete=models.CASCADE
    )
    email = models.EmailField()
    issued_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)
    # The order was cancelled: the voucher's end date was set to this moment.
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("pk",)


class PreOrderCancellation(models.Model):
    """One order of a pre-order sale that missed its minimum, to cancel
    through Saleor and refund (or void). Written in the transaction that
    settles the sale; the beat drives each row until ``done_at`` is set, so a
    failing gateway or a crash mid-way is retried, never skipped."""

    sale = models.ForeignKey(
        FlashSale, related_name="cancellations", on_delete=models.CASCADE
    )
    order = models.ForeignKey("order.Order", related_name="+", on_delete=models.CASCADE)
    created_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now, db_index=True)
    last_error = models.TextField(blank=True, default="")
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("pk",)
        unique_together = [("sale", "order")]
